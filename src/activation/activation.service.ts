import { Inject, Injectable } from '@nestjs/common';
import passport from 'passport';
import { CLOCK, type Clock } from '../clock.js';
import { ClientService } from '../clients/client.service.js';
import { safeEqual } from '../crypto/secrets.js';
import { endpointUrl, type ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { DEVICE_GRANT_OPTIONS } from '../device-grant.tokens.js';
import { DeviceGrantService, UnknownUserCodeError } from '../grants/device-grant.service.js';
import { GrantManagementService } from '../grants/grant-management.service.js';
import { FormParams } from '../http/form-params.js';
import type { GrantRecord } from '../persistence/records.js';
import { splitScope } from '../scopes/scope.js';
import { defaultActivationUser, type ActivationUser } from './activation.options.js';
import { DEFAULT_MESSAGES, fill, pickMessages, type ActivationMessages } from './messages.js';
import type { PageResult } from './page-response.js';
import { QR_SIZE, qrPng, qrSvg } from './qr.js';
import { RateLimitService } from './rate-limit.service.js';
import { SessionService, type BrowserSession } from './session.service.js';
import { ACTIVATION_CSS } from './style.js';
import { DEFAULT_RENDERERS, type ActivationRenderers, type PageView } from './views.js';

/** The parts of a request the pages read (Express and Fastify requests both fit). */
export interface PageRequest {
  headers: Record<string, string | string[] | undefined>;
  query?: Record<string, unknown>;
  body?: unknown;
  rawBody?: Buffer;
  ip?: string;
}

/** Sign-in failures allowed per client IP per window (more than code entries: people mistype passwords). */
const SIGN_IN_FAILURES = 10;

/**
 * The verification pages: enter the code, sign in, confirm, done. Errors a person can cause
 * re-render a page with a message; nothing is approved on a GET.
 * @see RFC 8628 §3.3, §5.1, §5.4
 */
@Injectable()
export class ActivationService {
  private readonly renderers: ActivationRenderers;
  private readonly catalogues: Record<string, ActivationMessages>;
  private readonly base: string;
  private readonly verificationUri: string;

  constructor(
    private readonly grants: DeviceGrantService,
    private readonly clients: ClientService,
    private readonly sessions: SessionService,
    private readonly limits: RateLimitService,
    private readonly management: GrantManagementService,
    @Inject(DEVICE_GRANT_OPTIONS) private readonly options: ResolvedDeviceGrantOptions,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {
    const activation = options.activation;
    this.renderers = { ...DEFAULT_RENDERERS, ...(activation.renderers ?? {}) };
    this.catalogues = { ...DEFAULT_MESSAGES };
    for (const [lang, overrides] of Object.entries(activation.messages ?? {})) {
      this.catalogues[lang] = { ...(DEFAULT_MESSAGES[lang] ?? DEFAULT_MESSAGES.en), lang, ...overrides };
    }
    this.base = options.routes.verification;
    this.verificationUri = endpointUrl(options, options.routes.verification);
  }

  /** `GET /activate[?user_code=...]`: the code form, or straight to confirmation from `verification_uri_complete`. */
  async start(request: PageRequest): Promise<PageResult> {
    const { session } = await this.sessions.read(request);
    const typed = typeof request.query?.user_code === 'string' ? request.query.user_code : undefined;
    if (typed === undefined) return this.codeEntry(request, session, 200);
    return this.enterCode(request, session, typed);
  }

  /** `POST /activate`: the typed code. */
  async submitCode(request: PageRequest): Promise<PageResult> {
    const { session, fresh } = await this.sessions.read(request);
    const form = readForm(request);
    if (!form || !this.sessions.checkCsrf(session, fresh, form.get('csrf'))) {
      return this.codeEntry(request, this.sessions.renew(session), 403, this.messages(request).sessionExpired);
    }
    return this.enterCode(request, session, form.get('user_code') ?? '');
  }

  /** `GET /activate/confirm`: sign in if needed, then the consent screen. */
  async confirm(request: PageRequest): Promise<PageResult> {
    const { session } = await this.sessions.read(request);
    if (!session.code) return { kind: 'redirect', location: this.base };
    const grant = await this.grants.findPending(session.code);
    if (!grant) return this.codeEntry(request, { ...session, code: undefined }, 400, this.messages(request).unknownCode);
    const user = await this.currentUser(request, session);
    if (!user) {
      if (this.options.activation.resolveUser) {
        const returnTo = `${this.verificationUri}/confirm`;
        return { kind: 'redirect', location: `${this.options.activation.signInUrl}?return_to=${encodeURIComponent(returnTo)}` };
      }
      return this.signInPage(request, session, grant, 200);
    }
    return this.consentPage(request, session, grant, user);
  }

  /**
   * `POST /activate/sign-in`: checks the credentials through the configured passport strategy, then
   * goes on to the code being confirmed, or to the devices page when that is where the person came from.
   */
  async signIn(request: PageRequest): Promise<PageResult> {
    const { session, fresh } = await this.sessions.read(request);
    const m = this.messages(request);
    const form = readForm(request);
    if (!form || !this.sessions.checkCsrf(session, fresh, form.get('csrf'))) {
      return this.codeEntry(request, this.sessions.renew(session), 403, m.sessionExpired);
    }
    const toDevices = form.get('next') === 'devices';
    const grant = session.code ? await this.grants.findPending(session.code) : null;
    if (!grant && !toDevices) return this.codeEntry(request, { ...session, code: undefined }, 400, m.unknownCode);
    const ipKey = [`signin:ip:${clientIp(request)}`];
    const locked = await this.limits.lockedFor(ipKey);
    if (locked > 0) {
      return this.signInPage(request, session, grant, 429, fill(m.lockedOut, { minutes: Math.ceil(locked / 60000) }), undefined, toDevices);
    }
    const username = form.get('username') ?? '';
    const user = await this.authenticate(username, form.get('password') ?? '');
    if (!user) {
      await this.limits.fail(ipKey, SIGN_IN_FAILURES);
      return this.signInPage(request, session, grant, 401, m.wrongCredentials, username, toDevices);
    }
    const signedIn = this.sessions.signIn(session, user);
    const location = toDevices ? this.options.routes.devices : `${this.base}/confirm`;
    return { kind: 'redirect', location, cookie: await this.sessions.cookie(signedIn) };
  }

  /** `GET /devices`: the devices the signed-in person approved. */
  async devices(request: PageRequest, notice?: string, status = 200): Promise<PageResult> {
    const { session } = await this.sessions.read(request);
    const user = await this.currentUser(request, session);
    if (!user) {
      if (this.options.activation.resolveUser) {
        const returnTo = endpointUrl(this.options, this.options.routes.devices);
        return { kind: 'redirect', location: `${this.options.activation.signInUrl}?return_to=${encodeURIComponent(returnTo)}` };
      }
      return this.signInPage(request, session, null, 200, undefined, undefined, true);
    }
    const approved = await this.management.listApproved(user.id);
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
    return { kind: 'page', status, html, cookie: await this.sessions.cookie(session) };
  }

  /** `POST /devices`: disconnects one of the signed-in person's devices (its tokens are revoked). */
  async disconnect(request: PageRequest): Promise<PageResult> {
    const { session, fresh } = await this.sessions.read(request);
    const m = this.messages(request);
    const form = readForm(request);
    const user = await this.currentUser(request, session);
    if (!form || !this.sessions.checkCsrf(session, fresh, form.get('csrf')) || !user) {
      return this.devices(request, m.sessionExpired, 403);
    }
    const disconnected = await this.management.disconnect(user.id, form.get('grant_id') ?? '');
    return this.devices(request, disconnected ? m.disconnected : undefined, disconnected ? 200 : 404);
  }

  /** `POST /activate/decision`: approve or deny the code shown on the consent screen. */
  async decide(request: PageRequest): Promise<PageResult> {
    const { session, fresh } = await this.sessions.read(request);
    const m = this.messages(request);
    const form = readForm(request);
    if (!form || !this.sessions.checkCsrf(session, fresh, form.get('csrf'))) {
      return this.codeEntry(request, this.sessions.renew(session), 403, m.sessionExpired);
    }
    const user = await this.currentUser(request, session);
    const shown = this.grants.normalize(form.get('user_code') ?? '');
    // The decision applies only to the code this session confirmed, never to one smuggled in the form.
    if (!user || !session.code || !shown || !safeEqual(shown, session.code)) {
      return this.codeEntry(request, { ...session, code: undefined }, 403, m.sessionExpired);
    }
    const decision = form.get('decision');
    if (decision !== 'approve' && decision !== 'deny') {
      return this.codeEntry(request, session, 400, m.sessionExpired);
    }
    const cleared = { ...session, code: undefined };
    try {
      if (decision === 'approve') await this.grants.approve(session.code, user.id);
      else await this.grants.deny(session.code);
    } catch (error) {
      if (error instanceof UnknownUserCodeError) return this.codeEntry(request, cleared, 400, m.unknownCode);
      throw error;
    }
    const html = this.renderers.done({ ...this.pageView(request, cleared, user), approved: decision === 'approve', startUrl: this.base });
    return { kind: 'page', status: 200, html, cookie: await this.sessions.cookie(cleared) };
  }

  /** `POST /activate/sign-out`. */
  async signOut(request: PageRequest): Promise<PageResult> {
    const { session, fresh } = await this.sessions.read(request);
    const form = readForm(request);
    if (!form || !this.sessions.checkCsrf(session, fresh, form.get('csrf'))) {
      return this.codeEntry(request, this.sessions.renew(session), 403, this.messages(request).sessionExpired);
    }
    return { kind: 'redirect', location: this.base, cookie: await this.sessions.cookie(this.sessions.signOut(session)) };
  }

  /**
   * `GET /activate/qr?user_code=...&format=svg|png&size=N`: the QR of a live grant's
   * `verification_uri_complete`, for devices with a screen but no QR library. Unknown codes count
   * against the same brute-force limit as the form, so this is no guessing oracle.
   */
  async qr(request: PageRequest): Promise<PageResult> {
    const query = request.query ?? {};
    const format = query.format === undefined ? 'svg' : query.format;
    const size = query.size === undefined ? QR_SIZE.default : Number(query.size);
    const notFound = (status: number, text: string): PageResult => ({
      kind: 'file',
      status,
      contentType: 'text/plain; charset=utf-8',
      body: text,
      cacheControl: 'no-store',
    });
    if ((format !== 'svg' && format !== 'png') || !Number.isInteger(size) || size < QR_SIZE.min || size > QR_SIZE.max) {
      return notFound(400, `format must be svg or png and size an integer from ${QR_SIZE.min} to ${QR_SIZE.max}`);
    }
    const ipKey = [`code:ip:${clientIp(request)}`];
    if ((await this.limits.lockedFor(ipKey)) > 0) return notFound(429, 'too many wrong codes; try again later');
    const grant = typeof query.user_code === 'string' ? await this.grants.findPending(query.user_code) : null;
    if (!grant) {
      await this.limits.fail(ipKey);
      return notFound(404, 'no pending request has this code');
    }
    const url = this.completeUri(grant);
    return format === 'svg'
      ? { kind: 'file', status: 200, contentType: 'image/svg+xml', body: await qrSvg(url, size), cacheControl: 'no-store' }
      : { kind: 'file', status: 200, contentType: 'image/png', body: await qrPng(url, size), cacheControl: 'no-store' };
  }

  /** `GET /activate/style.css`. */
  stylesheet(): PageResult {
    return { kind: 'file', status: 200, contentType: 'text/css; charset=utf-8', body: ACTIVATION_CSS, cacheControl: 'public, max-age=3600' };
  }

  /** An error page for anything unexpected on these routes (never JSON, never a stack). */
  errorPage(request: PageRequest, status: number): string {
    return this.renderers.error({ messages: this.messages(request), stylesheet: `${this.base}/style.css`, status, startUrl: this.base });
  }

  messages(request: PageRequest): ActivationMessages {
    return pickMessages(request.headers['accept-language'], this.catalogues);
  }

  /** The signed-in user: from the application (`resolveUser`) or from this session's sign-in. */
  async currentUser(request: PageRequest, session: BrowserSession): Promise<ActivationUser | null> {
    if (this.options.activation.resolveUser) return (await this.options.activation.resolveUser(request)) ?? null;
    return session.sub ? { id: session.sub, name: session.name ?? session.sub } : null;
  }

  pageView(request: PageRequest, session: BrowserSession, user: ActivationUser | null): PageView {
    return {
      messages: this.messages(request),
      stylesheet: `${this.base}/style.css`,
      user:
        user && !this.options.activation.resolveUser
          ? { name: user.name, signOutAction: `${this.base}/sign-out`, csrf: session.csrf }
          : undefined,
    };
  }

  private async enterCode(request: PageRequest, session: BrowserSession, typed: string): Promise<PageResult> {
    const m = this.messages(request);
    const keys = [`code:ip:${clientIp(request)}`, `code:session:${this.sessions.sessionKey(session)}`];
    const locked = await this.limits.lockedFor(keys);
    if (locked > 0) {
      return this.codeEntry(request, session, 429, fill(m.lockedOut, { minutes: Math.ceil(locked / 60000) }), typed);
    }
    const grant = await this.grants.findPending(typed);
    if (!grant) {
      await this.limits.fail(keys);
      return this.codeEntry(request, session, 400, m.unknownCode, typed);
    }
    // The code leaves the URL here: the next page is reached by a redirect, the code rides in the session.
    return { kind: 'redirect', location: `${this.base}/confirm`, cookie: await this.sessions.cookie({ ...session, code: grant.userCode }) };
  }

  private async codeEntry(request: PageRequest, session: BrowserSession, status: number, error?: string, typed?: string): Promise<PageResult> {
    const user = await this.currentUser(request, session);
    const html = this.renderers.codeEntry({
      ...this.pageView(request, session, user),
      action: this.base,
      csrf: session.csrf,
      error,
      userCode: typed?.slice(0, 32),
    });
    return { kind: 'page', status, html, cookie: await this.sessions.cookie(session) };
  }

  private async signInPage(
    request: PageRequest,
    session: BrowserSession,
    grant: GrantRecord | null,
    status: number,
    error?: string,
    username?: string,
    toDevices = false,
  ): Promise<PageResult> {
    const html = this.renderers.signIn({
      ...this.pageView(request, session, null),
      action: `${this.base}/sign-in`,
      csrf: session.csrf,
      error,
      username: username?.slice(0, 100),
      next: toDevices ? 'devices' : undefined,
      userCode: grant ? this.grants.display(grant.userCode) : undefined,
      qrSvg: grant ? await qrSvg(this.completeUri(grant)) : undefined,
    });
    return { kind: 'page', status, html, cookie: await this.sessions.cookie(session) };
  }

  private async consentPage(request: PageRequest, session: BrowserSession, grant: GrantRecord, user: ActivationUser): Promise<PageResult> {
    const client = await this.clients.findById(grant.clientId);
    const html = this.renderers.consent({
      ...this.pageView(request, session, user),
      action: `${this.base}/decision`,
      csrf: session.csrf,
      userCode: this.grants.display(grant.userCode),
      client: { id: grant.clientId, name: client?.name ?? grant.clientId },
      scopes: splitScope(grant.scope).map((name) => ({ name, description: this.options.scopes[name] ?? name })),
      device: { name: grant.deviceName, model: grant.deviceModel, serial: grant.deviceSerial },
      request: { ip: grant.requestIp, userAgent: grant.requestUserAgent, at: new Date(grant.createdAt) },
      expiresInMinutes: Math.max(1, Math.ceil((grant.expiresAt - this.clock.now()) / 60000)),
      qrSvg: await qrSvg(this.completeUri(grant)),
    });
    return { kind: 'page', status: 200, html, cookie: await this.sessions.cookie(session) };
  }

  private completeUri(grant: GrantRecord): string {
    return `${this.verificationUri}?user_code=${encodeURIComponent(this.grants.display(grant.userCode))}`;
  }

  /** Runs the configured passport strategy on the sign-in form's fields. */
  private authenticate(username: string, password: string): Promise<ActivationUser | null> {
    const strategy = this.options.activation.passportStrategy;
    if (!strategy || !username || !password) return Promise.resolve(null);
    const toUser = this.options.activation.toActivationUser ?? defaultActivationUser;
    return new Promise((resolve, reject) => {
      // passport-style strategies read req.body / req.query; give them only the form's fields.
      const req = { body: { username, password }, query: {}, headers: {} };
      const res = {};
      passport.authenticate(strategy, { session: false }, (error: unknown, user: unknown) => {
        if (error) return reject(error);
        if (!user) return resolve(null);
        const mapped = toUser(user);
        resolve(mapped.id ? mapped : null);
      })(req, res, (error: unknown) => (error ? reject(error) : resolve(null)));
    });
  }
}

function readForm(request: PageRequest): FormParams | null {
  try {
    return FormParams.from(request);
  } catch {
    return null;
  }
}

/** The client IP as the HTTP framework sees it (configure its proxy trust; see the README). */
export function clientIp(request: PageRequest): string {
  return String(request.ip ?? 'unknown').slice(0, 64);
}
