import { html, trusted, type SafeHtml } from './html.js';
import { fill, type ActivationMessages } from './messages.js';

/** What every page knows. */
export interface PageView {
  messages: ActivationMessages;
  /** URL of the stylesheet. */
  stylesheet: string;
  /** The signed-in user, if any, with the form that signs out. */
  user?: { name: string; signOutAction: string; csrf: string };
}

export interface CodeEntryView extends PageView {
  action: string;
  csrf: string;
  error?: string;
  notice?: string;
  /** What the user typed, to show again. */
  userCode?: string;
}

export interface SignInView extends PageView {
  action: string;
  csrf: string;
  error?: string;
  username?: string;
  /** The code being approved, for reassurance, and a QR to continue on a phone (absent when signing in for the devices page). */
  userCode?: string;
  qrSvg?: string;
  /** Where to go after signing in (`devices`), when not to the code being confirmed. */
  next?: string;
}

export interface ConsentView extends PageView {
  action: string;
  csrf: string;
  userCode: string;
  client: { id: string; name: string };
  scopes: { name: string; description: string }[];
  device: { name: string | null; model: string | null; serial: string | null };
  request: { ip: string | null; userAgent: string | null; at: Date };
  expiresInMinutes: number;
  qrSvg?: string;
}

export interface DoneView extends PageView {
  approved: boolean;
  startUrl: string;
}

export interface ErrorView extends PageView {
  status: number;
  startUrl: string;
}

export interface DevicesView extends PageView {
  action: string;
  csrf: string;
  notice?: string;
  devices: {
    grantId: string;
    clientName: string;
    deviceName: string | null;
    deviceModel: string | null;
    approvedAt: Date | null;
    lastUsedAt: Date | null;
  }[];
}

/** One function per page; replace any of them through the module options. Each returns a whole HTML document. */
export interface ActivationRenderers {
  codeEntry(view: CodeEntryView): string;
  signIn(view: SignInView): string;
  consent(view: ConsentView): string;
  done(view: DoneView): string;
  error(view: ErrorView): string;
  devices(view: DevicesView): string;
}

function layout(view: PageView, title: string, body: SafeHtml): string {
  const m = view.messages;
  return html`<!doctype html>
<html lang="${m.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · ${m.title}</title>
<link rel="stylesheet" href="${view.stylesheet}">
</head>
<body>
<main>
<div class="card">
${view.user ? userBar(view.user, m) : ''}
${body}
</div>
</main>
</body>
</html>
`.value;
}

function userBar(user: NonNullable<PageView['user']>, m: ActivationMessages): SafeHtml {
  return html`<div class="user"><span>${fill(m.signedInAs, { name: user.name })}</span>
<form method="post" action="${user.signOutAction}">${hidden('csrf', user.csrf)}<button type="submit" class="secondary">${m.signOut}</button></form></div>`;
}

/** A hidden form field; every form's CSRF token travels in one (`hidden('csrf', token)`). */
function hidden(name: string, value: string): SafeHtml {
  return html`<input type="hidden" name="${name}" value="${value}">`;
}

function alert(message: string | undefined): SafeHtml | '' {
  return message ? html`<p class="alert" role="alert">${message}</p>` : '';
}

function qrBlock(svg: string | undefined, m: ActivationMessages): SafeHtml | '' {
  return svg ? html`<details><summary>${m.qrCaption}</summary><div class="qr" role="img" aria-label="${m.qrCaption}">${trusted(svg)}</div></details>` : '';
}

function detail(value: string | null, m: ActivationMessages): string {
  return value ?? m.unknownDetail;
}

/** The shipped pages. */
export const DEFAULT_RENDERERS: ActivationRenderers = {
  codeEntry(view) {
    const m = view.messages;
    return layout(
      view,
      m.enterCodeHeading,
      html`<h1>${m.enterCodeHeading}</h1>
<p>${m.enterCodeIntro}</p>
${alert(view.error)}
${view.notice ? html`<p class="notice" role="status">${view.notice}</p>` : ''}
<form method="post" action="${view.action}">
${hidden('csrf', view.csrf)}
<label for="user_code">${m.userCodeLabel}</label>
<input type="text" id="user_code" name="user_code" class="code" value="${view.userCode ?? ''}" autocomplete="off" autocapitalize="characters" spellcheck="false" inputmode="text" maxlength="32" required autofocus aria-describedby="user_code_hint">
<p class="hint" id="user_code_hint">${m.userCodeHint}</p>
<button type="submit">${m.continue}</button>
</form>`,
    );
  },

  signIn(view) {
    const m = view.messages;
    return layout(
      view,
      m.signInHeading,
      html`<h1>${m.signInHeading}</h1>
<p>${m.signInIntro}</p>
${view.userCode ? html`<span class="usercode" aria-label="${m.userCodeLabel}">${view.userCode}</span>` : ''}
${alert(view.error)}
<form method="post" action="${view.action}">
${hidden('csrf', view.csrf)}
${view.next ? hidden('next', view.next) : ''}
<label for="username">${m.username}</label>
<input type="text" id="username" name="username" value="${view.username ?? ''}" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus>
<label for="password">${m.password}</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit">${m.signIn}</button>
</form>
${qrBlock(view.qrSvg, m)}`,
    );
  },

  consent(view) {
    const m = view.messages;
    return layout(
      view,
      m.confirmHeading,
      html`<h1>${m.confirmHeading}</h1>
<p>${m.confirmIntro}</p>
<p>${m.checkCode}</p>
<span class="usercode" id="user-code">${view.userCode}</span>
<dl>
<dt>${m.clientLabel}</dt><dd id="client-name">${view.client.name}</dd>
</dl>
<h2>${m.scopesLabel}</h2>
${view.scopes.length
  ? html`<ul class="scopes" id="scopes">${view.scopes.map((scope) => html`<li>${scope.description} <small>(${scope.name})</small></li>`)}</ul>`
  : html`<p id="scopes">${m.noScopes}</p>`}
<h2>${m.deviceLabel}</h2>
<dl id="device">
<dt>${m.deviceName}</dt><dd id="device-name">${detail(view.device.name, m)}</dd>
<dt>${m.deviceModel}</dt><dd id="device-model">${detail(view.device.model, m)}</dd>
<dt>${m.deviceSerial}</dt><dd id="device-serial">${detail(view.device.serial, m)}</dd>
</dl>
<h2>${m.requestFromLabel}</h2>
<dl id="origin">
<dt>${m.ipAddress}</dt><dd id="request-ip">${detail(view.request.ip, m)}</dd>
<dt>${m.userAgent}</dt><dd id="request-user-agent">${detail(view.request.userAgent, m)}</dd>
<dt>${m.requestedAt}</dt><dd><time datetime="${view.request.at.toISOString()}">${view.request.at.toISOString().replace('T', ' ').slice(0, 16)} UTC</time></dd>
</dl>
<p>${fill(m.expiresIn, { minutes: view.expiresInMinutes })}</p>
<p class="warning" role="note">${m.phishingWarning}</p>
<form method="post" action="${view.action}">
${hidden('csrf', view.csrf)}
${hidden('user_code', view.userCode)}
<div class="actions">
<button type="submit" name="decision" value="approve">${m.approve}</button>
<button type="submit" name="decision" value="deny" class="danger">${m.deny}</button>
</div>
</form>
${qrBlock(view.qrSvg, m)}`,
    );
  },

  done(view) {
    const m = view.messages;
    const heading = view.approved ? m.approvedHeading : m.deniedHeading;
    return layout(
      view,
      heading,
      html`<h1>${heading}</h1>
<p role="status">${view.approved ? m.approvedText : m.deniedText}</p>
<p><a href="${view.startUrl}">${m.backToStart}</a></p>`,
    );
  },

  error(view) {
    const m = view.messages;
    return layout(
      view,
      m.errorHeading,
      html`<h1>${m.errorHeading}</h1>
<p>${m.errorText}</p>
<p><a href="${view.startUrl}">${m.backToStart}</a></p>`,
    );
  },

  devices(view) {
    const m = view.messages;
    const when = (date: Date | null) => (date ? `${date.toISOString().replace('T', ' ').slice(0, 16)} UTC` : m.never);
    return layout(
      view,
      m.devicesHeading,
      html`<h1>${m.devicesHeading}</h1>
<p>${m.devicesIntro}</p>
${view.notice ? html`<p class="notice" role="status">${view.notice}</p>` : ''}
${view.devices.length
  ? html`<ul class="devices">${view.devices.map(
      (device) => html`<li>
<dl>
<dt>${m.deviceName}</dt><dd class="device-name">${detail(device.deviceName, m)}</dd>
<dt>${m.deviceModel}</dt><dd>${detail(device.deviceModel, m)}</dd>
<dt>${m.clientLabel}</dt><dd>${device.clientName}</dd>
<dt>${m.approvedAt}</dt><dd>${when(device.approvedAt)}</dd>
<dt>${m.lastUsed}</dt><dd>${when(device.lastUsedAt)}</dd>
</dl>
<form method="post" action="${view.action}">
${hidden('csrf', view.csrf)}
${hidden('grant_id', device.grantId)}
<button type="submit" class="danger" aria-label="${m.disconnect}: ${device.deviceName ?? device.clientName}">${m.disconnect}</button>
</form>
</li>`,
    )}</ul>`
  : html`<p>${m.noDevices}</p>`}
${view.user
  ? html`<form method="post" action="${view.user.signOutAction}" class="everywhere">
${hidden('csrf', view.user.csrf)}
${hidden('everywhere', '1')}
<p>${m.signOutEverywhereHint}</p>
<button type="submit" class="secondary">${m.signOutEverywhere}</button>
</form>`
  : ''}`,
    );
  },
};
