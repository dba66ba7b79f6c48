import { Injectable } from '@nestjs/common';
import { safeEqual } from '../crypto/secrets.js';
import { DeviceGrantService, UnknownUserCodeError } from '../grants/device-grant.service.js';
import { ActivationPages } from './activation-pages.service.js';
import { readPostedForm } from './csrf.js';
import { fill } from './messages.js';
import type { PageRequest } from './page-request.js';
import type { PageResult } from './page-response.js';
import { QR_SIZE, qrPng, qrSvg } from './qr.js';
import { RateLimitService } from '../limits/rate-limit.service.js';
import { SessionService, type BrowserSession } from './session.service.js';
import { SignInService } from './sign-in.service.js';

/**
 * The verification flow: enter the code, sign in, confirm, done. Errors a person can cause re-render
 * a page with a message; nothing is approved on a GET.
 * @see RFC 8628 §3.3, §5.1, §5.4
 */
@Injectable()
export class ActivationFlowService {
  constructor(
    private readonly grants: DeviceGrantService,
    private readonly sessions: SessionService,
    private readonly limits: RateLimitService,
    private readonly pages: ActivationPages,
    private readonly signIn: SignInService,
  ) {}

  /**
   * `GET /activate[?user_code=...]`: the code form; from `verification_uri_complete` (a link or a QR
   * code) with the code filled in. A GET never evaluates a code: any page can make a browser fetch a
   * link (an `<img>` needs no click), and a code evaluated then would spend this address's guesses. The
   * code is checked when the person continues (a POST with the session's CSRF token).
   */
  async start(request: PageRequest): Promise<PageResult> {
    const { session } = await this.sessions.read(request);
    const linked = typeof request.query?.user_code === 'string' ? request.query.user_code : undefined;
    return this.pages.codeEntry(request, session, 200, undefined, linked);
  }

  /** `POST /activate`: the typed code. */
  async submitCode(request: PageRequest): Promise<PageResult> {
    const { session, form } = await readPostedForm(this.sessions, request);
    if (!form) return this.pages.sessionExpired(request, session);
    return this.enterCode(request, session, form.get('user_code') ?? '');
  }

  /** `GET /activate/confirm`: sign in if needed, then the consent screen. */
  async confirm(request: PageRequest): Promise<PageResult> {
    const { session } = await this.sessions.read(request);
    if (!session.code) return { kind: 'redirect', location: this.pages.base };
    const grant = await this.grants.findPending(session.code);
    if (!grant) return this.pages.codeEntry(request, { ...session, code: undefined }, 400, this.pages.messages(request).unknownCode);
    const user = await this.pages.currentUser(request, session);
    if (!user) return this.signIn.required(request, session, grant);
    return this.pages.consent(request, session, grant, user);
  }

  /** `POST /activate/decision`: approve or deny the code shown on the consent screen. */
  async decide(request: PageRequest): Promise<PageResult> {
    const { session, form } = await readPostedForm(this.sessions, request);
    if (!form) return this.pages.sessionExpired(request, session);
    const m = this.pages.messages(request);
    const user = await this.pages.currentUser(request, session);
    const shown = this.grants.normalize(form.get('user_code') ?? '');
    // The decision applies only to the code this session confirmed, never to one smuggled in the form.
    if (!user || !session.code || !shown || !safeEqual(shown, session.code)) {
      return this.pages.codeEntry(request, { ...session, code: undefined }, 403, m.sessionExpired);
    }
    const decision = form.get('decision');
    if (decision !== 'approve' && decision !== 'deny') {
      return this.pages.codeEntry(request, session, 400, m.sessionExpired);
    }
    const cleared = { ...session, code: undefined };
    try {
      if (decision === 'approve') await this.grants.approve(session.code, user.id);
      else await this.grants.deny(session.code);
    } catch (error) {
      if (error instanceof UnknownUserCodeError) return this.pages.codeEntry(request, cleared, 400, m.unknownCode);
      throw error;
    }
    return this.pages.done(request, cleared, user, decision === 'approve');
  }

  /**
   * `GET /activate/qr?user_code=...&format=svg|png&size=N`: the QR of a user code's
   * `verification_uri_complete`, for devices with a screen but no QR library. It draws any code of the
   * right shape without looking it up, so it tells nothing about which codes are live and spends no
   * one's guesses.
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
    const code = typeof query.user_code === 'string' ? this.grants.normalize(query.user_code) : null;
    if (!code) return notFound(400, 'user_code is not a user code');
    const url = this.pages.completeUriOf(code);
    return format === 'svg'
      ? { kind: 'file', status: 200, contentType: 'image/svg+xml', body: await qrSvg(url, size), cacheControl: 'no-store' }
      : { kind: 'file', status: 200, contentType: 'image/png', body: await qrPng(url, size), cacheControl: 'no-store' };
  }

  /** A submitted code: a guess counted before it is looked up (given back when right), carried in the session when right. */
  private async enterCode(request: PageRequest, session: BrowserSession, typed: string): Promise<PageResult> {
    const m = this.pages.messages(request);
    const attempt = await this.limits.attempt(this.limits.codeEntry(request.ip, this.sessions.sessionKey(session)));
    if (attempt.waitMs > 0) {
      return this.pages.codeEntry(request, session, 429, fill(m.lockedOut, { minutes: Math.ceil(attempt.waitMs / 60000) }), typed);
    }
    const grant = await this.grants.findPending(typed);
    if (!grant) {
      await this.limits.failed(attempt);
      return this.pages.codeEntry(request, session, 400, m.unknownCode, typed);
    }
    await this.limits.succeeded(attempt);
    // The code leaves the URL here: the next page is reached by a redirect, the code rides in the session.
    return { kind: 'redirect', location: `${this.pages.base}/confirm`, cookie: await this.sessions.cookie({ ...session, code: grant.userCode }) };
  }
}
