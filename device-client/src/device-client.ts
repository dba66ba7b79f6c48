import { requestDeviceAuthorization } from './device-authorization.js';
import { endpointsFromMetadata, fetchMetadata, type Endpoints } from './discovery.js';
import { DeviceMustPairAgainError, InvalidGrantError, OAuthError } from './errors.js';
import { checkUrl, sleep, type ClientAuth, type Transport } from './http.js';
import { MemoryTokenStore } from './memory-token-store.js';
import { pollDeviceToken } from './poll.js';
import { revokeToken, toTokenSet, tokenRequest } from './token-request.js';
import type { TokenStore } from './token-store.js';
import type { Clock, DeviceDetails, PendingAuthorization, RetryOptions, StoredState, TokenSet } from './types.js';

/**
 * Options of {@link DeviceClient}. Durations are in seconds, like on the wire.
 *
 * @see RFC 8628 §3.1
 * @see RFC 8414 §3
 */
export interface DeviceClientOptions {
  /** The `client_id`. */
  clientId: string;
  /** A client secret, sent with HTTP Basic; omit for a public client (the usual device). */
  clientSecret?: string;
  /** The issuer to discover the endpoints from (RFC 8414). Give this or `endpoints`. */
  issuer?: string;
  /** Explicit endpoints; no discovery is done. */
  endpoints?: Endpoints;
  /** The scope to request, space-separated or as a list. Default: none (the server's default). */
  scope?: string | readonly string[];
  /** Sent as `device_name`, `device_model`, `device_serial`. */
  device?: DeviceDetails;
  /** Where tokens and the pending authorization live. Default: a {@link MemoryTokenStore}. */
  store?: TokenStore;
  /** An alternative `fetch` (proxies, custom TLS, tests). Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Refresh when the access token expires within this many seconds. Default 60. */
  refreshLeeway?: number;
  /** Timeout of each HTTP request in seconds. Default 10. */
  requestTimeout?: number;
  /** Retry policy for network errors, timeouts, 5xx and 429. */
  retry?: RetryOptions;
  /** Allow plain http to hosts other than loopback. Default false (RFC 8628 §3.1 requires TLS). */
  allowInsecureRequests?: boolean;
  /** Replace `now()` and/or `sleep()` (virtual time in tests). */
  clock?: Partial<Clock>;
}

/**
 * Options of {@link DeviceClient.start}.
 *
 * @see RFC 8628 §3.1
 */
export interface StartOptions {
  /** Overrides the client's `scope`. */
  scope?: string | readonly string[];
  /** Overrides the client's `device`. */
  device?: DeviceDetails;
  signal?: AbortSignal;
}

/**
 * Options of {@link DeviceClient.poll}.
 *
 * @see RFC 8628 §3.5
 */
export interface PollRunOptions {
  /** Aborting ends the run at once, even in the middle of a wait; the pending grant stays stored. */
  signal?: AbortSignal;
  /** Called with the new interval (seconds) after each `slow_down`. */
  onSlowDown?: (interval: number) => void | Promise<void>;
}

/**
 * Options of {@link DeviceClient.login}.
 *
 * @see RFC 8628 §3.3
 */
export interface LoginOptions extends StartOptions, PollRunOptions {
  /** Show the code to the user (e.g. with `renderPrompt`); `resumed` is true after a reboot. */
  onPrompt?: (pending: PendingAuthorization, info: { resumed: boolean }) => void | Promise<void>;
}

/**
 * What {@link DeviceClient.status} reports.
 *
 * @see RFC 6749 §5.1
 */
export interface DeviceStatus {
  /** Tokens are stored. */
  paired: boolean;
  /** The stored access token is not within the refresh leeway of its expiry. */
  accessTokenFresh: boolean;
  /** When the access token expires (ms since the epoch), if known. */
  accessTokenExpiresAt?: number;
  /** A refresh token is stored. */
  canRefresh: boolean;
  scope?: string;
  /** An authorization waiting for the user, if any. */
  pending?: PendingAuthorization;
}

function joinScope(scope: string | readonly string[] | undefined): string | undefined {
  return typeof scope === 'string' ? scope : scope?.join(' ');
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | null | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * The device side of the device authorization grant: discovery, the device authorization
 * request, polling, crash-safe storage with resume after reboot, refresh, bearer requests and
 * revocation.
 *
 * @example
 * ```ts
 * const client = new DeviceClient({ issuer: 'https://as.example', clientId: 'tv', store: new FileTokenStore('/var/lib/tv/tokens.json') });
 * await client.login({ onPrompt: async (p) => console.log(await renderPrompt(p)) });
 * const response = await client.fetchWithToken('https://api.example/me');
 * ```
 * @see RFC 8628 §3
 * @see RFC 6749 §6
 * @see RFC 7009 §2
 */
export class DeviceClient {
  /** The token store this client reads and writes. */
  readonly store: TokenStore;
  readonly #options: DeviceClientOptions;
  readonly #transport: Transport;
  readonly #auth: ClientAuth;
  #endpoints: Promise<Endpoints> | undefined;
  #refreshing: Promise<string> | undefined;

  constructor(options: DeviceClientOptions) {
    if (!options.issuer && !options.endpoints) throw new TypeError('DeviceClient: give issuer or endpoints');
    this.#options = options;
    this.store = options.store ?? new MemoryTokenStore();
    this.#auth = { clientId: options.clientId, clientSecret: options.clientSecret };
    const retry = options.retry ?? {};
    this.#transport = {
      fetch: (input, init) => (options.fetch ?? fetch)(input, init),
      now: options.clock?.now ?? Date.now,
      sleep: options.clock?.sleep ?? sleep,
      timeoutMs: (options.requestTimeout ?? 10) * 1000,
      maxAttempts: retry.maxAttempts ?? 4,
      baseDelayMs: (retry.baseDelay ?? 1) * 1000,
      maxDelayMs: (retry.maxDelay ?? 30) * 1000,
      allowInsecureRequests: options.allowInsecureRequests ?? false,
      userAgent: userAgentOf(options.device),
    };
  }

  /**
   * The endpoints: the explicit ones, or those discovered from the issuer (fetched once).
   *
   * @see RFC 8414 §3
   */
  getEndpoints(signal?: AbortSignal): Promise<Endpoints> {
    if (this.#options.endpoints) return Promise.resolve(this.#options.endpoints);
    const endpoints = (this.#endpoints ??= fetchMetadata(this.#transport, this.#options.issuer!, signal).then(
      endpointsFromMetadata,
    ));
    endpoints.catch(() => {
      if (this.#endpoints === endpoints) this.#endpoints = undefined;
    });
    return endpoints;
  }

  /**
   * Requests a device code and stores it as the pending authorization. Call it only when the user
   * asks to pair the device.
   *
   * @see RFC 8628 §3.1
   * @see RFC 8628 §3.2
   */
  async start(options: StartOptions = {}): Promise<PendingAuthorization> {
    const { deviceAuthorizationEndpoint } = await this.getEndpoints(options.signal);
    const pending = await requestDeviceAuthorization(this.#transport, deviceAuthorizationEndpoint, this.#auth, {
      scope: joinScope(options.scope ?? this.#options.scope),
      device: options.device ?? this.#options.device,
      signal: options.signal,
    });
    const state = (await this.store.load()) ?? {};
    await this.store.save({ ...state, pending });
    return pending;
  }

  /**
   * The stored pending authorization, if one is still usable (e.g. after a reboot); an expired one
   * is removed.
   *
   * @see RFC 8628 §3.5
   */
  async resume(): Promise<PendingAuthorization | undefined> {
    const state = await this.store.load();
    const pending = state?.pending;
    if (!pending) return undefined;
    if (this.#transport.now() + pending.interval * 1000 < pending.expiresAt) return pending;
    await this.#removePending(pending.deviceCode);
    return undefined;
  }

  /**
   * Polls until the user approves (the tokens are stored and returned) or the grant ends with a
   * typed error: {@link AccessDeniedError}, {@link ExpiredTokenError} (also when the local deadline
   * passes first), or another {@link OAuthError}. The interval, raised by `slow_down`, is stored
   * as it changes so that a resumed run keeps it.
   *
   * @see RFC 8628 §3.4
   * @see RFC 8628 §3.5
   */
  async poll(pending: PendingAuthorization, options: PollRunOptions = {}): Promise<TokenSet> {
    const { tokenEndpoint } = await this.getEndpoints(options.signal);
    let result;
    try {
      result = await pollDeviceToken(this.#transport, tokenEndpoint, this.#auth, pending, {
        signal: options.signal,
        onSlowDown: async (interval) => {
          const state = await this.store.load();
          if (state?.pending?.deviceCode === pending.deviceCode) {
            await this.store.save({ ...state, pending: { ...state.pending, interval } });
          }
          await options.onSlowDown?.(interval);
        },
      });
    } catch (error) {
      if (error instanceof OAuthError) await this.#removePending(pending.deviceCode);
      throw error;
    }
    const tokens = toTokenSet(result.response, result.sentAt);
    await this.store.save({ tokens });
    return tokens;
  }

  /**
   * Resumes the stored pending authorization or starts a new one, lets the caller show it, then
   * polls. Returns the stored tokens.
   *
   * @see RFC 8628 §3.3
   * @see RFC 8628 §3.5
   */
  async login(options: LoginOptions = {}): Promise<TokenSet> {
    const resumed = await this.resume();
    const pending = resumed ?? (await this.start(options));
    await options.onPrompt?.(pending, { resumed: resumed !== undefined });
    return this.poll(pending, options);
  }

  /**
   * A valid access token, refreshed when it expires within `refreshLeeway`. Concurrent callers
   * share one refresh, across processes too when the store has a lock. A rotated refresh token is
   * stored before the new access token is returned. Throws {@link DeviceMustPairAgainError} when
   * nothing is stored or the refresh token is rejected (`invalid_grant`; the store is cleared).
   *
   * @see RFC 6749 §6
   * @see RFC 6749 §5.2
   */
  async getAccessToken(options: { signal?: AbortSignal; forceRefresh?: boolean } = {}): Promise<string> {
    const tokens = (await this.store.load())?.tokens;
    if (!tokens) throw new DeviceMustPairAgainError('no_tokens');
    if (!options.forceRefresh && this.#isFresh(tokens)) return tokens.accessToken;
    return abortable(this.#refresh(tokens.accessToken), options.signal);
  }

  #isFresh(tokens: TokenSet): boolean {
    const leeway = (this.#options.refreshLeeway ?? 60) * 1000;
    return tokens.expiresAt === undefined || this.#transport.now() < tokens.expiresAt - leeway;
  }

  /** Single flight: one refresh at a time in this process; the store lock covers other processes. */
  #refresh(staleAccessToken: string): Promise<string> {
    this.#refreshing ??= this.#refreshLocked(staleAccessToken).finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #refreshLocked(staleAccessToken: string): Promise<string> {
    const release = await this.store.lock?.();
    try {
      const state: StoredState = (await this.store.load()) ?? {};
      const tokens = state.tokens;
      if (!tokens) throw new DeviceMustPairAgainError('no_tokens');
      // Another process (or an earlier flight) refreshed while this one waited for the lock.
      if (tokens.accessToken !== staleAccessToken && this.#isFresh(tokens)) return tokens.accessToken;
      if (!tokens.refreshToken) {
        await this.#save({ ...state, tokens: undefined });
        throw new DeviceMustPairAgainError('no_refresh_token');
      }
      const { tokenEndpoint } = await this.getEndpoints();
      let current = tokens;
      // Only `invalid_grant` is a refusal: a transport error, a timeout, a 5xx or an answer that is
      // not JSON is thrown as it is and leaves the store alone.
      for (let attempt = 0; ; attempt++) {
        const sentAt = this.#transport.now();
        try {
          const response = await tokenRequest(this.#transport, tokenEndpoint, this.#auth, {
            grant_type: 'refresh_token',
            refresh_token: current.refreshToken,
          });
          const next = toTokenSet(response, sentAt, current);
          await this.store.save({ ...((await this.store.load()) ?? state), tokens: next });
          return next.accessToken;
        } catch (error) {
          if (!(error instanceof InvalidGrantError)) throw error;
          // Before unpairing, read the store again: another process may have rotated the token (a
          // lock broken as stale, a store without a lock). Its tokens are tried once.
          const stored = (await this.store.load())?.tokens;
          if (stored && stored.refreshToken !== current.refreshToken) {
            if (stored.accessToken !== staleAccessToken && this.#isFresh(stored)) return stored.accessToken;
            if (stored.refreshToken && attempt === 0) {
              current = stored;
              continue;
            }
          }
          await this.store.clear();
          throw new DeviceMustPairAgainError('invalid_grant', { cause: error });
        }
      }
    } finally {
      await release?.();
    }
  }

  /**
   * `fetch` with `Authorization: Bearer <access token>`. After a 401 it refreshes once and
   * retries once. A request body must be replayable (string, bytes, `URLSearchParams`, a
   * `Request`), since it may be sent twice.
   *
   * @see RFC 6750 §2.1
   * @see RFC 6750 §3.1
   */
  async fetchWithToken(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    // A bearer token is a credential: it goes over TLS, or to loopback, as the OAuth requests do.
    checkUrl(input instanceof Request ? input.url : String(input), this.#options.allowInsecureRequests ?? false);
    const send = (token: string): Promise<Response> => {
      const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
      headers.set('authorization', `Bearer ${token}`);
      return this.#transport.fetch(input instanceof Request ? input.clone() : input, { ...init, headers });
    };
    const token = await this.getAccessToken({ signal: init.signal ?? undefined });
    const first = await send(token);
    if (first.status !== 401) return first;
    await first.body?.cancel();
    return send(await abortable(this.#refresh(token), init.signal));
  }

  /**
   * Revokes the refresh token (or, without one, the access token) when the server has a
   * revocation endpoint, then deletes the store. The store is deleted even when revocation fails;
   * the error is thrown afterwards.
   *
   * @see RFC 7009 §2.1
   */
  async logout(options: { signal?: AbortSignal } = {}): Promise<{ revoked: boolean }> {
    try {
      const tokens = (await this.store.load())?.tokens;
      const token = tokens?.refreshToken ?? tokens?.accessToken;
      if (!token) return { revoked: false };
      const { revocationEndpoint } = await this.getEndpoints(options.signal);
      if (!revocationEndpoint) return { revoked: false };
      const hint = tokens?.refreshToken ? 'refresh_token' : 'access_token';
      await revokeToken(this.#transport, revocationEndpoint, this.#auth, token, hint, options.signal);
      return { revoked: true };
    } finally {
      await this.store.clear();
    }
  }

  /**
   * What is stored: paired or not, access token expiry, a pending authorization.
   *
   * @see RFC 6749 §5.1
   */
  async status(): Promise<DeviceStatus> {
    const state = await this.store.load();
    const tokens = state?.tokens;
    const status: DeviceStatus = {
      paired: tokens !== undefined,
      accessTokenFresh: tokens !== undefined && this.#isFresh(tokens),
      canRefresh: tokens?.refreshToken !== undefined,
    };
    if (tokens?.expiresAt !== undefined) status.accessTokenExpiresAt = tokens.expiresAt;
    if (tokens?.scope !== undefined) status.scope = tokens.scope;
    if (state?.pending) status.pending = state.pending;
    return status;
  }

  async #removePending(deviceCode: string): Promise<void> {
    const state = await this.store.load();
    if (state?.pending?.deviceCode === deviceCode) await this.#save({ ...state, pending: undefined });
  }

  /** Saves, dropping undefined members; an empty state deletes the store. */
  async #save(state: StoredState): Promise<void> {
    if (state.tokens) return this.store.save(state.pending ? state : { tokens: state.tokens });
    return state.pending ? this.store.save({ pending: state.pending }) : this.store.clear();
  }
}

/** This package's name and version, as sent in `User-Agent` (a test keeps it equal to package.json's). */
export const DEVICE_CLIENT_USER_AGENT = '@device-grant-kit/device-client/0.1.0';

/**
 * `User-Agent` for the authorization server, which shows it on the consent page next to the device's
 * details: the package and version, and the device model when one is given (visible ASCII, at most 100).
 */
function userAgentOf(device: DeviceDetails | undefined): string {
  const model = device?.model?.replace(/[^\x20-\x7E]/g, '').replace(/[()]/g, '').trim().slice(0, 100);
  return model ? `${DEVICE_CLIENT_USER_AGENT} (${model})` : DEVICE_CLIENT_USER_AGENT;
}
