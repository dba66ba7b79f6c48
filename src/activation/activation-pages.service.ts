import { Injectable } from '@nestjs/common';
import { InjectClock, type Clock } from '../clock.js';
import { ClientService } from '../clients/client.service.js';
import { endpointUrl, type ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { InjectDeviceGrantOptions } from '../device-grant.module-definition.js';
import { DeviceGrantService } from '../grants/device-grant.service.js';
import type { ApprovedGrant } from '../grants/grant-management.service.js';
import type { GrantRecord } from '../persistence/records.js';
import { splitScope } from '../scopes/scope.js';
import type { ActivationUser } from './activation.options.js';
import { DEFAULT_MESSAGES, pickMessages, type ActivationMessages } from './messages.js';
import type { PageRequest } from './page-request.js';
import type { PageResult } from './page-response.js';
import { qrSvg } from './qr.js';
import { SessionService, type BrowserSession } from './session.service.js';
import { ACTIVATION_CSS } from './style.js';
import { DEFAULT_RENDERERS, type ActivationRenderers, type PageView } from './views.js';

/** What the sign-in page shows besides the form. */
export interface SignInPageDetails {
  error?: string;
  /** What the person typed, to show again. */
  username?: string;
  /** Whether the devices page comes next instead of the code being confirmed. */
  toDevices?: boolean;
}

/**
 * What every page shares: the visitor's language, who is signed in, the configured renderers, and each
 * page rendered into an answer that carries the session cookie.
 */
@Injectable()
export class ActivationPages {
  /** Where the pages live (`verification_uri`'s path). */
  readonly base: string;
  private readonly renderers: ActivationRenderers;
  private readonly catalogues: Map<string, ActivationMessages>;
  private readonly verificationUri: string;

  constructor(
    private readonly grants: DeviceGrantService,
    private readonly clients: ClientService,
    private readonly sessions: SessionService,
    @InjectDeviceGrantOptions() private readonly options: ResolvedDeviceGrantOptions,
    @InjectClock() private readonly clock: Clock,
  ) {
    const activation = options.activation;
    this.renderers = { ...DEFAULT_RENDERERS, ...(activation.renderers ?? {}) };
    this.catalogues = new Map(Object.entries(DEFAULT_MESSAGES));
    for (const [lang, overrides] of Object.entries(activation.messages ?? {})) {
      this.catalogues.set(lang, { ...(this.catalogues.get(lang) ?? DEFAULT_MESSAGES.en), lang, ...overrides });
    }
    this.base = options.routes.verification;
    this.verificationUri = endpointUrl(options, options.routes.verification);
  }

  /** The visitor's language, from `Accept-Language`. */
  messages(request: PageRequest): ActivationMessages {
    return pickMessages(request.headers['accept-language'], this.catalogues);
  }

  /** The signed-in user: from the application (`resolveUser`) or from this session's sign-in. */
  async currentUser(request: PageRequest, session: BrowserSession): Promise<ActivationUser | null> {
    if (this.options.activation.resolveUser) return (await this.options.activation.resolveUser(request)) ?? null;
    return session.sub ? { id: session.sub, name: session.name ?? session.sub } : null;
  }

  /** The code form. */
  async codeEntry(request: PageRequest, session: BrowserSession, status: number, error?: string, typed?: string): Promise<PageResult> {
    const user = await this.currentUser(request, session);
    const html = this.renderers.codeEntry({
      ...this.pageView(request, session, user),
      action: this.base,
      csrf: session.csrf,
      error,
      userCode: typed?.slice(0, 32),
    });
    return this.page(status, html, session);
  }

  /** The answer to a form whose CSRF check failed: the code form again, with a new token. */
  sessionExpired(request: PageRequest, session: BrowserSession): Promise<PageResult> {
    return this.codeEntry(request, this.sessions.renew(session), 403, this.messages(request).sessionExpired);
  }

  /** The built-in sign-in form; `grant` is the code being confirmed, if any. */
  async signIn(request: PageRequest, session: BrowserSession, grant: GrantRecord | null, status: number, details: SignInPageDetails = {}): Promise<PageResult> {
    const html = this.renderers.signIn({
      ...this.pageView(request, session, null),
      action: `${this.base}/sign-in`,
      csrf: session.csrf,
      error: details.error,
      username: details.username?.slice(0, 100),
      next: details.toDevices ? 'devices' : undefined,
      userCode: grant ? this.grants.display(grant.userCode) : undefined,
      qrSvg: grant ? await qrSvg(this.completeUri(grant)) : undefined,
    });
    return this.page(status, html, session);
  }

  /** The consent screen for a pending grant. */
  async consent(request: PageRequest, session: BrowserSession, grant: GrantRecord, user: ActivationUser): Promise<PageResult> {
    const client = await this.clients.findById(grant.clientId);
    const html = this.renderers.consent({
      ...this.pageView(request, session, user),
      action: `${this.base}/decision`,
      csrf: session.csrf,
      userCode: this.grants.display(grant.userCode),
      client: { id: grant.clientId, name: client?.name ?? grant.clientId },
      scopes: splitScope(grant.scope).map((name) => ({ name, description: Object.hasOwn(this.options.scopes, name) ? this.options.scopes[name] : name })),
      device: { name: grant.deviceName, model: grant.deviceModel, serial: grant.deviceSerial },
      request: { ip: grant.requestIp, userAgent: grant.requestUserAgent, at: new Date(grant.createdAt) },
      expiresInMinutes: Math.max(1, Math.ceil((grant.expiresAt - this.clock.now()) / 60000)),
      qrSvg: await qrSvg(this.completeUri(grant)),
    });
    return this.page(200, html, session);
  }

  /** After the decision. */
  async done(request: PageRequest, session: BrowserSession, user: ActivationUser, approved: boolean): Promise<PageResult> {
    const html = this.renderers.done({ ...this.pageView(request, session, user), approved, startUrl: this.base });
    return this.page(200, html, session);
  }

  /** The devices a person approved. */
  async devices(
    request: PageRequest,
    session: BrowserSession,
    user: ActivationUser,
    approved: ApprovedGrant[],
    status: number,
    notice?: string,
  ): Promise<PageResult> {
    const html = this.renderers.devices({
      ...this.pageView(request, session, user),
      action: this.options.routes.devices,
      csrf: session.csrf,
      notice,
      devices: approved.map((grant) => ({
        grantId: grant.grantId,
        clientName: grant.clientName,
        deviceName: grant.device.name,
        deviceModel: grant.device.model,
        approvedAt: new Date(grant.approvedAt),
        lastUsedAt: grant.lastUsedAt === null ? null : new Date(grant.lastUsedAt),
      })),
    });
    return this.page(status, html, session);
  }

  /** An error page for anything unexpected on these routes (never JSON, never a stack). */
  errorPage(request: PageRequest, status: number): string {
    return this.renderers.error({ messages: this.messages(request), stylesheet: `${this.base}/style.css`, status, startUrl: this.base });
  }

  /** `GET /activate/style.css`. */
  stylesheet(): PageResult {
    return { kind: 'file', status: 200, contentType: 'text/css; charset=utf-8', body: ACTIVATION_CSS, cacheControl: 'public, max-age=3600' };
  }

  /** A grant's `verification_uri_complete`. @see RFC 8628 §3.3.1 */
  completeUri(grant: GrantRecord): string {
    return this.completeUriOf(grant.userCode);
  }

  /** The `verification_uri_complete` of a normalised user code. */
  completeUriOf(normalizedUserCode: string): string {
    return `${this.verificationUri}?user_code=${encodeURIComponent(this.grants.display(normalizedUserCode))}`;
  }

  private pageView(request: PageRequest, session: BrowserSession, user: ActivationUser | null): PageView {
    return {
      messages: this.messages(request),
      stylesheet: `${this.base}/style.css`,
      user:
        user && !this.options.activation.resolveUser
          ? { name: user.name, signOutAction: `${this.base}/sign-out`, csrf: session.csrf }
          : undefined,
    };
  }

  private async page(status: number, html: string, session: BrowserSession): Promise<PageResult> {
    return { kind: 'page', status, html, cookie: await this.sessions.cookie(session) };
  }
}
