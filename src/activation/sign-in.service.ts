import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import passport from 'passport';
import { endpointUrl, type ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { InjectDeviceGrantOptions } from '../device-grant.module-definition.js';
import { DeviceGrantService } from '../grants/device-grant.service.js';
import type { GrantRecord } from '../persistence/records.js';
import { ActivationPages } from './activation-pages.service.js';
import { defaultActivationUser, type ActivationUser } from './activation.options.js';
import { readPostedForm } from './csrf.js';
import { fill } from './messages.js';
import type { PageRequest } from './page-request.js';
import type { PageResult } from './page-response.js';
import { RateLimitService } from '../limits/rate-limit.service.js';
import { SessionService, type BrowserSession } from './session.service.js';

/**
 * The sign-in bridge: the built-in form checked by the configured passport strategy, sign-out, or,
 * with `resolveUser`, a redirect to the application's own sign-in.
 */
@Injectable()
export class SignInService implements OnApplicationBootstrap {
  private readonly logger = new Logger('DeviceGrantSignIn');

  constructor(
    private readonly grants: DeviceGrantService,
    private readonly sessions: SessionService,
    private readonly limits: RateLimitService,
    private readonly pages: ActivationPages,
    @InjectDeviceGrantOptions() private readonly options: ResolvedDeviceGrantOptions,
  ) {}

  /**
   * Fails at start-up when the configured strategy is not registered with the passport this module
   * uses: a typo, or a second copy of passport in the application (its strategies live there, and
   * every sign-in would fail).
   */
  onApplicationBootstrap(): void {
    const strategy = this.options.activation.passportStrategy;
    const registered = (passport as unknown as { _strategy(name: string): unknown })._strategy(strategy ?? '');
    if (strategy && !registered) {
      throw new Error(
        `DeviceGrantModule: activation.passportStrategy "${strategy}" is not registered with passport. Provide the strategy in your ` +
          'application, and make sure it shares one copy of passport with this module (passport is a peer dependency; npm ls passport shows copies).',
      );
    }
  }

  /**
   * The answer when a page needs someone signed in and nobody is: the application's sign-in
   * (`resolveUser`) or the sign-in form, coming back to the code being confirmed (`grant`) or, when
   * there is none, to the devices page.
   */
  async required(request: PageRequest, session: BrowserSession, grant: GrantRecord | null): Promise<PageResult> {
    const toDevices = grant === null;
    if (this.options.activation.resolveUser) {
      const returnTo = toDevices ? endpointUrl(this.options, this.options.routes.devices) : `${endpointUrl(this.options, this.pages.base)}/confirm`;
      return { kind: 'redirect', location: `${this.options.activation.signInUrl}?return_to=${encodeURIComponent(returnTo)}` };
    }
    return this.pages.signIn(request, session, grant, 200, { toDevices });
  }

  /**
   * `POST /activate/sign-in`: checks the credentials through the configured passport strategy, then
   * goes on to the code being confirmed, or to the devices page when that is where the person came from.
   */
  async signIn(request: PageRequest): Promise<PageResult> {
    const { session, form } = await readPostedForm(this.sessions, request);
    if (!form) return this.pages.sessionExpired(request, session);
    const m = this.pages.messages(request);
    const toDevices = form.get('next') === 'devices';
    const grant = session.code ? await this.grants.findPending(session.code) : null;
    if (!grant && !toDevices) return this.pages.codeEntry(request, { ...session, code: undefined }, 400, m.unknownCode);
    const username = form.get('username') ?? '';
    const attempt = await this.limits.attempt(this.limits.signIn(request.ip, username));
    if (attempt.waitMs > 0) {
      return this.pages.signIn(request, session, grant, 429, { error: fill(m.signInPaused, { minutes: Math.ceil(attempt.waitMs / 60000) }), username, toDevices });
    }
    const user = await this.authenticate(username, form.get('password') ?? '');
    if (!user) {
      await this.limits.failed(attempt);
      return this.pages.signIn(request, session, grant, 401, { error: m.wrongCredentials, username, toDevices });
    }
    await this.limits.succeeded(attempt);
    const signedIn = await this.sessions.signIn(session, user);
    const location = toDevices ? this.options.routes.devices : `${this.pages.base}/confirm`;
    return { kind: 'redirect', location, cookie: await this.sessions.cookie(signedIn) };
  }

  /**
   * `POST /activate/sign-out`: ends this sign-in (every copy of its cookie, on every instance), or with
   * `everywhere=1` every sign-in of the user.
   */
  async signOut(request: PageRequest): Promise<PageResult> {
    const { session, form } = await readPostedForm(this.sessions, request);
    if (!form) return this.pages.sessionExpired(request, session);
    const signedOut = form.get('everywhere') === '1' ? await this.sessions.signOutEverywhere(session) : await this.sessions.signOut(session);
    return { kind: 'redirect', location: this.pages.base, cookie: await this.sessions.cookie(signedOut) };
  }

  /**
   * Runs the configured passport strategy on the sign-in form's fields. The strategy contract: a user
   * signs in; `false`/`null`, or an error (NestJS's passport docs throw `UnauthorizedException` from
   * `validate()`), is a failed sign-in: the "wrong username or password" page, and it counts toward the
   * lockout. An error that is not an HTTP 4xx is logged too (it may be the strategy's own fault).
   */
  private authenticate(username: string, password: string): Promise<ActivationUser | null> {
    const strategy = this.options.activation.passportStrategy;
    if (!strategy || !username || !password) return Promise.resolve(null);
    const toUser = this.options.activation.toActivationUser ?? defaultActivationUser;
    const failed = (error: unknown): null => {
      const status = (error as { getStatus?: () => number; status?: number } | null)?.getStatus?.() ?? (error as { status?: number } | null)?.status;
      if (!(typeof status === 'number' && status >= 400 && status < 500)) {
        this.logger.warn(`the passport strategy "${strategy}" failed: ${error instanceof Error ? error.message : String(error)}; counted as a failed sign-in`);
      }
      return null;
    };
    return new Promise<ActivationUser | null>((resolve) => {
      // passport-style strategies read req.body / req.query; give them only the form's fields.
      const req = { body: { username, password }, query: {}, headers: {} };
      const res = {};
      passport.authenticate(strategy, { session: false }, (error: unknown, user: unknown) => {
        if (error) return resolve(failed(error));
        if (!user) return resolve(null);
        const mapped = toUser(user);
        resolve(mapped.id ? mapped : null);
      })(req, res, (error: unknown) => resolve(error ? failed(error) : null));
    }).catch(failed);
  }
}
