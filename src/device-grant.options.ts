import type { ActivationOptions, ResolvedActivationOptions } from './activation/activation.options.js';
import type { KeyEncryptionOptions } from './crypto/key-encryption.js';
import { resolveLimits, type LimitsOptions, type ResolvedLimits } from './limits/limits.options.js';
import type { Clock } from './clock.js';
import { isScopeToken } from './scopes/scope.js';

/** Characters a user code is drawn from. */
export type UserCodeCharset = 'base20' | 'digits';

/** Where each endpoint is mounted, relative to the application root. */
export interface DeviceGrantRoutes {
  /** Device authorization endpoint. Default `/oauth/device_authorization`. @see RFC 8628 §3.1 */
  deviceAuthorization: string;
  /** Token endpoint. Default `/oauth/token`. @see RFC 6749 §3.2 */
  token: string;
  /** JWKS with the public signing keys. Default `/oauth/jwks`. @see RFC 8414 §2 */
  jwks: string;
  /** Token revocation endpoint. Default `/oauth/revoke`. @see RFC 7009 §2 */
  revocation: string;
  /** Token introspection endpoint. Default `/oauth/introspect`. @see RFC 7662 §2 */
  introspection: string;
  /** Verification page the user opens. Default `/activate`. @see RFC 8628 §3.3 */
  verification: string;
  /** The page where a signed-in user sees and disconnects the devices they approved. Default `/devices`. */
  devices: string;
  /**
   * Authorization server metadata. Default `/.well-known/oauth-authorization-server`; an issuer with a
   * path (`https://h/x`) needs `/.well-known/oauth-authorization-server/x`. @see RFC 8414 §3
   */
  metadata: string;
  /** Health check: 200 `{"status":"ok"}` when the database answers, 503 otherwise. Default `/health`. */
  health: string;
  /** Prometheus metrics, text exposition format. Default `/metrics`. */
  metrics: string;
}

/** Every option of the module. Durations are seconds, as on the wire. */
export interface DeviceGrantModuleOptions {
  /**
   * The issuer identifier, an absolute URL without query or fragment (e.g. `https://auth.example.com`).
   * Every endpoint URL is built from it. Required.
   * @see RFC 8414 §2
   */
  issuer: string;
  /**
   * User code alphabet: `base20` (`BCDFGHJKLMNPQRSTVWXZ`, no vowels, so no words) or `digits`.
   * Default `base20`.
   * @see RFC 8628 §6.1
   */
  userCodeCharset?: UserCodeCharset;
  /** Significant characters in a user code. Default 8 (base20: about 34.6 bits). */
  userCodeLength?: number;
  /**
   * How a user code is displayed: each `X` is one code character, anything else is printed as is.
   * Must hold exactly `userCodeLength` `X`s. Default `XXXX-XXXX` (for 8 characters).
   */
  userCodeMask?: string;
  /** Lifetime of a device code and its user code, in seconds. Default 600. @see RFC 8628 §3.2 */
  deviceCodeTtl?: number;
  /** Minimum seconds between two polls of the token endpoint. Default 5. @see RFC 8628 §3.2 */
  pollingInterval?: number;
  /**
   * The longest a device is told to wait between polls, in seconds: each `slow_down` adds 5 s to its
   * interval up to this, and a device that waits this long is answered normally. Default 60; at least
   * `pollingInterval`. @see RFC 8628 §3.5
   */
  maxPollingInterval?: number;
  /** Lifetime of an access token, in seconds. Default 600 (RFC 6750 §5.3 asks for at most an hour). */
  accessTokenTtl?: number;
  /** Lifetime of a refresh token since its last use (rotation), in seconds. Default 30 days. */
  refreshTokenTtl?: number;
  /**
   * Seconds after a rotation during which the same client presenting the token it just rotated gets a
   * new pair (its answer was lost: a timeout, a dropped connection) instead of losing the family, as
   * long as the successor is unused; the successor is superseded. 0 turns it off. Default 30.
   * @see RFC 9700 §4.14.2
   */
  refreshRetryGrace?: number;
  /** The `aud` of issued access tokens (the resource indicator). Default: the issuer. @see RFC 9068 §3 */
  audience?: string;
  /**
   * Scopes this server knows, each with the sentence the activation page shows for it.
   * Default: `openid`, `profile`, `offline_access`.
   */
  scopes?: Record<string, string>;
  /** Maximum length of each device detail (`device_name`, `device_model`, `device_serial`), in characters, up to 400. Default 100. */
  deviceDetailMaxLength?: number;
  /**
   * Confidential clients (resource servers) allowed to introspect every access token; any other
   * confidential client may introspect only tokens issued to itself. Default none.
   * @see RFC 7662 §2.1, §4
   */
  introspectionClients?: string[];
  /** The activation pages: how people sign in, messages, renderers. */
  activation?: ActivationOptions;
  /** Guess budgets (user codes, passwords), device authorization rates, scrypt work; see {@link LimitsOptions}. */
  limits?: LimitsOptions;
  /**
   * The key-encryption key that seals the private signing keys and the session-cookie key in the
   * database (see {@link KeyEncryptionOptions}). Required on PostgreSQL (every instance the same); on an
   * SQLite file it defaults to a key generated into `<database>.kek` (0600) beside it.
   */
  keyEncryption?: KeyEncryptionOptions;
  /** Purging of finished records; see {@link HousekeepingOptions}. */
  housekeeping?: Partial<HousekeepingOptions>;
  /**
   * Count grants, polls, tokens and lockouts and time every request, served at `routes.metrics` in
   * Prometheus format from a registry of this module's own. `false` counts nothing and the route
   * answers 404. Default true.
   */
  metrics?: boolean;
  /**
   * A bearer token `GET /metrics` requires (at least 32 characters; compared in constant time). Without
   * it the route answers anyone who reaches it: then keep it off the public listener. Default none.
   */
  metricsToken?: string;
  /** Time source; tests inject one. Default: the system clock. */
  clock?: Clock;
}

/** The purge schedule. */
export interface HousekeepingOptions {
  /** Seconds between runs; 0 turns the schedule off (call `HousekeepingService.purge()` yourself). Default 300. */
  interval: number;
  /** Seconds finished records are kept (expired grants still answer `expired_token` meanwhile). Default 86400. */
  retention: number;
  /** Rows per delete statement. Default 500. */
  batchSize: number;
}

export const DEFAULT_ROUTES: DeviceGrantRoutes = {
  deviceAuthorization: '/oauth/device_authorization',
  token: '/oauth/token',
  jwks: '/oauth/jwks',
  revocation: '/oauth/revoke',
  introspection: '/oauth/introspect',
  verification: '/activate',
  devices: '/devices',
  metadata: '/.well-known/oauth-authorization-server',
  health: '/health',
  metrics: '/metrics',
};

export const DEFAULT_SCOPES: Record<string, string> = {
  openid: 'Know who you are',
  profile: 'See your basic profile (name and username)',
  offline_access: 'Stay connected when you are not using it (a refresh token)',
};

/** Every default of the module, merged once (by `resolveOptions`) into every options object. */
export const DEFAULT_OPTIONS = {
  userCodeCharset: 'base20' as UserCodeCharset,
  userCodeLength: 8,
  deviceCodeTtl: 600,
  pollingInterval: 5,
  maxPollingInterval: 60,
  accessTokenTtl: 600,
  refreshTokenTtl: 30 * 24 * 3600,
  refreshRetryGrace: 30,
  deviceDetailMaxLength: 100,
  metrics: true,
  activation: { sessionTtl: 3600 },
  housekeeping: { interval: 300, retention: 86400, batchSize: 500 } as HousekeepingOptions,
};

/** Options with every default applied and every value checked. */
export interface ResolvedDeviceGrantOptions {
  issuer: string;
  routes: DeviceGrantRoutes;
  userCodeCharset: UserCodeCharset;
  userCodeAlphabet: string;
  userCodeLength: number;
  userCodeMask: string;
  deviceCodeTtl: number;
  pollingInterval: number;
  maxPollingInterval: number;
  accessTokenTtl: number;
  refreshTokenTtl: number;
  refreshRetryGrace: number;
  audience: string;
  scopes: Record<string, string>;
  deviceDetailMaxLength: number;
  introspectionClients: string[];
  activation: ResolvedActivationOptions;
  limits: ResolvedLimits;
  keyEncryption?: KeyEncryptionOptions;
  housekeeping: HousekeepingOptions;
  metrics: boolean;
  metricsToken?: string;
  clock?: Clock;
}

export const USER_CODE_ALPHABETS: Record<UserCodeCharset, string> = {
  base20: 'BCDFGHJKLMNPQRSTVWXZ',
  digits: '0123456789',
};

function defaultMask(length: number): string {
  const groupSize = length % 4 === 0 ? 4 : 3;
  const groups: string[] = [];
  for (let i = 0; i < length; i += groupSize) groups.push('X'.repeat(Math.min(groupSize, length - i)));
  return groups.join('-');
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`DeviceGrantModule: option ${name} must be a positive integer of seconds, got ${value}`);
  }
  return value;
}

function routePath(name: string, value: string): string {
  if (typeof value !== 'string' || !/^\/[A-Za-z0-9._~\-/]*$/.test(value)) {
    throw new Error(`DeviceGrantModule: route ${name} must be an absolute path like /oauth/token, got ${value}`);
  }
  return value.length > 1 ? value.replace(/\/+$/, '') : value;
}

/** Endpoint paths with the defaults applied, each checked. */
export function resolveRoutes(overrides: Partial<DeviceGrantRoutes> = {}): DeviceGrantRoutes {
  const routes = { ...DEFAULT_ROUTES, ...overrides };
  for (const key of Object.keys(routes) as (keyof DeviceGrantRoutes)[]) routes[key] = routePath(key, routes[key]);
  return routes;
}

/** Applies the defaults and checks every value; throws a clear error on a bad option at start-up. */
export function resolveOptions(
  options: DeviceGrantModuleOptions,
  routeOverrides: Partial<DeviceGrantRoutes> = {},
): ResolvedDeviceGrantOptions {
  if (!options || typeof options.issuer !== 'string') {
    throw new Error('DeviceGrantModule: option issuer is required (an absolute URL)');
  }
  const issuerUrl = new URL(options.issuer);
  if (issuerUrl.search || issuerUrl.hash || !/^https?:$/.test(issuerUrl.protocol)) {
    throw new Error(`DeviceGrantModule: issuer must be an http(s) URL without query or fragment, got ${options.issuer}`);
  }
  const routes = resolveRoutes(routeOverrides);

  const userCodeCharset = options.userCodeCharset ?? DEFAULT_OPTIONS.userCodeCharset;
  const userCodeAlphabet = USER_CODE_ALPHABETS[userCodeCharset];
  if (!userCodeAlphabet) throw new Error(`DeviceGrantModule: userCodeCharset must be base20 or digits, got ${userCodeCharset}`);
  const userCodeLength =
    options.userCodeLength ?? (userCodeCharset === 'digits' ? 9 : DEFAULT_OPTIONS.userCodeLength);
  if (!Number.isInteger(userCodeLength) || userCodeLength < 6 || userCodeLength > 20) {
    throw new Error(`DeviceGrantModule: userCodeLength must be an integer from 6 to 20, got ${userCodeLength}`);
  }
  const userCodeMask = options.userCodeMask ?? defaultMask(userCodeLength);
  const slots = [...userCodeMask].filter((c) => c === 'X').length;
  if (slots !== userCodeLength) {
    throw new Error(`DeviceGrantModule: userCodeMask ${userCodeMask} must hold exactly ${userCodeLength} X characters`);
  }
  if ([...userCodeMask].some((c) => c !== 'X' && userCodeAlphabet.includes(c))) {
    throw new Error('DeviceGrantModule: userCodeMask separators must not be code characters');
  }

  const pollingInterval = positiveInteger('pollingInterval', options.pollingInterval ?? DEFAULT_OPTIONS.pollingInterval);
  const maxPollingInterval = positiveInteger('maxPollingInterval', options.maxPollingInterval ?? Math.max(DEFAULT_OPTIONS.maxPollingInterval, pollingInterval));
  if (maxPollingInterval < pollingInterval) {
    throw new Error(`DeviceGrantModule: maxPollingInterval (${maxPollingInterval}) must be at least pollingInterval (${pollingInterval})`);
  }

  const scopes = options.scopes ?? DEFAULT_SCOPES;
  for (const scope of Object.keys(scopes)) {
    if (!isScopeToken(scope)) throw new Error(`DeviceGrantModule: invalid scope name ${scope}`);
  }
  const issuer = options.issuer;
  const expectedMetadata = '/.well-known/oauth-authorization-server' + issuerUrl.pathname.replace(/\/+$/, '');
  if (routes.metadata !== expectedMetadata) {
    throw new Error(`DeviceGrantModule: the issuer ${issuer} needs routes.metadata = '${expectedMetadata}' (RFC 8414 §3)`);
  }
  return {
    issuer,
    routes,
    userCodeCharset,
    userCodeAlphabet,
    userCodeLength,
    userCodeMask,
    deviceCodeTtl: positiveInteger('deviceCodeTtl', options.deviceCodeTtl ?? DEFAULT_OPTIONS.deviceCodeTtl),
    pollingInterval,
    maxPollingInterval,
    accessTokenTtl: positiveInteger('accessTokenTtl', options.accessTokenTtl ?? DEFAULT_OPTIONS.accessTokenTtl),
    refreshTokenTtl: positiveInteger('refreshTokenTtl', options.refreshTokenTtl ?? DEFAULT_OPTIONS.refreshTokenTtl),
    refreshRetryGrace: retryGrace(options.refreshRetryGrace ?? DEFAULT_OPTIONS.refreshRetryGrace),
    audience: options.audience ?? issuer,
    scopes,
    deviceDetailMaxLength: deviceDetailMaxLength(options.deviceDetailMaxLength ?? DEFAULT_OPTIONS.deviceDetailMaxLength),
    introspectionClients: [...(options.introspectionClients ?? [])],
    activation: checkActivation({ ...DEFAULT_OPTIONS.activation, ...withoutUndefined(options.activation ?? {}) }),
    limits: resolveLimits(options.limits),
    keyEncryption: options.keyEncryption,
    housekeeping: checkHousekeeping({ ...DEFAULT_OPTIONS.housekeeping, ...withoutUndefined(options.housekeeping ?? {}) }),
    metrics: options.metrics ?? DEFAULT_OPTIONS.metrics,
    metricsToken: checkMetricsToken(options.metricsToken),
    clock: options.clock,
  };
}

/** The keys set to a value: `{ sessionTtl: undefined }` keeps the default, as leaving `sessionTtl` out does. */
function withoutUndefined<T extends object>(values: T): T {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as T;
}

function retryGrace(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 300) {
    throw new Error(`DeviceGrantModule: option refreshRetryGrace must be 0 (off) or a whole number of seconds up to 300, got ${value}`);
  }
  return value;
}

function checkMetricsToken(token: string | undefined): string | undefined {
  if (token !== undefined && (typeof token !== 'string' || token.length < 32)) {
    throw new Error('DeviceGrantModule: metricsToken must be at least 32 characters');
  }
  return token;
}

function checkHousekeeping(housekeeping: HousekeepingOptions): HousekeepingOptions {
  if (!Number.isInteger(housekeeping.interval) || housekeeping.interval < 0) {
    throw new Error('DeviceGrantModule: housekeeping.interval must be 0 (off) or a positive integer of seconds');
  }
  positiveInteger('housekeeping.retention', housekeeping.retention);
  positiveInteger('housekeeping.batchSize', housekeeping.batchSize);
  return housekeeping;
}

function checkActivation(activation: ResolvedActivationOptions): ResolvedActivationOptions {
  if (activation.sessionSecret !== undefined && activation.sessionSecret.length < 32) {
    throw new Error('DeviceGrantModule: activation.sessionSecret must be at least 32 characters');
  }
  if (activation.resolveUser && !activation.signInUrl) {
    throw new Error('DeviceGrantModule: activation.resolveUser needs activation.signInUrl');
  }
  positiveInteger('activation.sessionTtl', activation.sessionTtl);
  return activation;
}

/** The absolute URL of a route on the issuer's origin (and under the issuer's path, if it has one). */
export function endpointUrl(options: ResolvedDeviceGrantOptions, path: string): string {
  return options.issuer.replace(/\/+$/, '') + path;
}

/** The device detail columns are 400 characters wide: a longer limit would let the database refuse the row. */
const DEVICE_DETAIL_COLUMN_WIDTH = 400;

function deviceDetailMaxLength(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > DEVICE_DETAIL_COLUMN_WIDTH) {
    throw new Error(`DeviceGrantModule: deviceDetailMaxLength must be an integer from 1 to ${DEVICE_DETAIL_COLUMN_WIDTH}, got ${value}`);
  }
  return value;
}
