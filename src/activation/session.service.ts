import { createHash, randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { EncryptJWT, jwtDecrypt } from 'jose';
import { InjectClock, type Clock } from '../clock.js';
import { KeyVault, sealContext } from '../crypto/key-vault.service.js';
import { randomToken, safeEqual, sha256 } from '../crypto/secrets.js';
import type { ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { InjectDeviceGrantOptions } from '../device-grant.module-definition.js';
import { InjectDeviceGrantStore, type DeviceGrantStore } from '../persistence/device-grant-store.js';

/** What the browser session holds, encrypted in its cookie. */
export interface BrowserSession {
  /** Random id; the per-session brute-force counter is keyed by its hash. */
  sid: string;
  /** The CSRF token every form echoes. */
  csrf: string;
  /** The signed-in user. */
  sub?: string;
  name?: string;
  /** When the sign-in expires (ms). */
  authExp?: number;
  /** The sign-in's own random id (the server keeps its hash, `SignInRecord`); kept when the session id is renewed. */
  signIn?: string;
  /** The normalised user code being confirmed. */
  code?: string;
}

const SECRET_NAME = 'session-cookie-key';
/** How long an instance uses the cookie key it read: a rotation (`admin sessions rotate-key`) reaches every instance within this. */
const KEY_CACHE_MS = 5_000;
/** The cookie itself lives a day at most; a sign-in inside it lasts `sessionTtl`. */
const COOKIE_TTL_S = 24 * 3600;

/**
 * Browser sessions in encrypted cookies (JWE, `dir` + A256GCM), with the key shared through the
 * database; a sign-in is also recorded on the server (`SignInStore`), and a cookie counts as signed in
 * only while its sign-in lasts there, so a sign-out ends it on every instance at once, however many
 * copies of the cookie exist.
 */
@Injectable()
export class SessionService {
  private key?: { readAt: number; value: Promise<Uint8Array> };
  readonly cookieName: string;
  private readonly secure: boolean;

  constructor(
    @InjectDeviceGrantStore() private readonly store: DeviceGrantStore,
    @InjectDeviceGrantOptions() private readonly options: ResolvedDeviceGrantOptions,
    @InjectClock() private readonly clock: Clock,
    private readonly vault: KeyVault,
  ) {
    this.secure = options.issuer.startsWith('https:');
    // __Host- binds the cookie to this exact origin; browsers accept it only with Secure.
    this.cookieName = this.secure ? '__Host-dg_session' : 'dg_session';
  }

  /** The session of a request, or a fresh one. */
  async read(request: { headers: Record<string, string | string[] | undefined> }): Promise<{ session: BrowserSession; fresh: boolean }> {
    const raw = readCookie(request.headers.cookie, this.cookieName);
    if (raw && raw.length < 4096) {
      try {
        const { payload } = await jwtDecrypt(raw, await this.getKey(), {
          currentDate: new Date(this.clock.now()),
          issuer: this.options.issuer,
        });
        const session = payload as unknown as BrowserSession;
        if (typeof session.sid === 'string' && typeof session.csrf === 'string') {
          // Signed in only while the sign-in lasts on the server: a sign-out ends every copy of the cookie.
          if (session.sub !== undefined && !(typeof session.signIn === 'string' && (await this.store.signIns.isLive(signInId(session.signIn), this.clock.now())))) {
            delete session.sub;
            delete session.name;
            delete session.authExp;
            delete session.signIn;
          }
          return { session, fresh: false };
        }
      } catch {
        // A tampered, expired or foreign cookie is as good as none.
      }
    }
    return { session: this.create(), fresh: true };
  }

  create(): BrowserSession {
    return { sid: randomToken(), csrf: randomToken() };
  }

  /** A new id and CSRF token for the same session (on sign-in: no session fixation). */
  renew(session: BrowserSession): BrowserSession {
    return { ...session, sid: randomToken(), csrf: randomToken() };
  }

  /** Signs a user in: a new session id (no session fixation), and the sign-in recorded on the server. */
  async signIn(session: BrowserSession, user: { id: string; name: string }): Promise<BrowserSession> {
    const now = this.clock.now();
    const authExp = now + this.options.activation.sessionTtl * 1000;
    const signIn = randomToken();
    await this.store.signIns.create({ id: signInId(signIn), subject: user.id, createdAt: now, expiresAt: authExp, endedAt: null });
    return { ...this.renew(session), sub: user.id, name: user.name, authExp, signIn };
  }

  /** Ends this sign-in on the server (every copy of the cookie is signed out) and renews the session. */
  async signOut(session: BrowserSession): Promise<BrowserSession> {
    if (session.signIn !== undefined) await this.store.signIns.end(signInId(session.signIn), this.clock.now());
    return this.renew(withoutUser(session));
  }

  /** Ends every sign-in of this session's user, on every browser and instance; renews this session. */
  async signOutEverywhere(session: BrowserSession): Promise<BrowserSession> {
    if (session.sub !== undefined) await this.store.signIns.endAll(session.sub, this.clock.now());
    return this.renew(withoutUser(session));
  }

  /** Whether a submitted CSRF token matches the session's, in constant time. */
  checkCsrf(session: BrowserSession, fresh: boolean, submitted: string | undefined): boolean {
    return !fresh && typeof submitted === 'string' && safeEqual(submitted, session.csrf);
  }

  /** The `Set-Cookie` value for a session. */
  async cookie(session: BrowserSession): Promise<string> {
    const now = Math.floor(this.clock.now() / 1000);
    const value = await new EncryptJWT({ ...session })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setIssuer(this.options.issuer)
      .setIssuedAt(now)
      .setExpirationTime(now + COOKIE_TTL_S)
      .encrypt(await this.getKey());
    const attributes = [`${this.cookieName}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${COOKIE_TTL_S}`];
    if (this.secure) attributes.push('Secure');
    return attributes.join('; ');
  }

  /** A short, non-reversible id of the session for rate-limit keys. */
  sessionKey(session: BrowserSession): string {
    return createHash('sha256').update(session.sid).digest('base64url').slice(0, 32);
  }

  /**
   * Replaces the cookie key with a new random one: every session cookie issued before stops opening
   * (on every instance within `KEY_CACHE_MS`), so everyone is signed out. Not for a configured
   * `activation.sessionSecret`, which only a configuration change replaces.
   */
  async rotateKey(): Promise<void> {
    if (this.options.activation.sessionSecret) throw new Error('activation.sessionSecret is configured: change it in the configuration to rotate the cookie key');
    const context = sealContext.secret(SECRET_NAME);
    const current = await this.store.secrets.get(SECRET_NAME);
    const next = await this.vault.seal(randomBytes(32).toString('base64url'), context);
    if (current === null) await this.store.secrets.insertIfAbsent(SECRET_NAME, next, this.clock.now());
    else if (!(await this.store.secrets.replace(SECRET_NAME, current, next))) throw new Error('the cookie key changed meanwhile (another rotation?): try again');
    this.key = undefined;
  }

  private getKey(): Promise<Uint8Array> {
    const now = performance.now();
    if (!this.key || now - this.key.readAt > KEY_CACHE_MS) {
      const value = this.loadKey();
      const entry = { readAt: now, value };
      this.key = entry;
      value.catch(() => {
        if (this.key === entry) this.key = undefined;
      });
    }
    return this.key.value;
  }

  private async loadKey(): Promise<Uint8Array> {
    const configured = this.options.activation.sessionSecret;
    if (configured) return createHash('sha256').update(configured).digest();
    const context = sealContext.secret(SECRET_NAME);
    const stored =
      (await this.store.secrets.get(SECRET_NAME)) ??
      (await this.store.secrets.insertIfAbsent(SECRET_NAME, await this.vault.seal(randomBytes(32).toString('base64url'), context), this.clock.now()));
    return Buffer.from(await this.vault.open(stored, context), 'base64url');
  }
}

/** The server's name for a sign-in: a hash of the id the cookie carries, so the database never holds that id. */
function signInId(signIn: string): string {
  return sha256(signIn);
}

function withoutUser(session: BrowserSession): BrowserSession {
  const { sub: _sub, name: _name, authExp: _exp, signIn: _signIn, ...rest } = session;
  return rest;
}

/** One cookie's value from a `Cookie` header. */
export function readCookie(header: string | string[] | undefined, name: string): string | undefined {
  const value = Array.isArray(header) ? header.join('; ') : header;
  if (!value) return undefined;
  for (const part of value.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}
