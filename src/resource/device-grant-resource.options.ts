import type { Clock } from '../clock.js';

/** Checking with the authorization server that a token was not revoked, through introspection. @see RFC 7662 */
export interface RevocationCheckOptions {
  /** This resource server's confidential client id at the authorization server (one listed in its `introspectionClients`). */
  clientId: string;
  clientSecret: string;
  /** Seconds an "active" answer is reused for a `jti` (so a revocation reaches this server within it). Default 30. */
  cacheTtl?: number;
  /** Most `jti`s remembered; the oldest are forgotten first. Default 10000. */
  maxEntries?: number;
}

/** Every option of `DeviceGrantResourceModule`. Durations are seconds. */
export interface DeviceGrantResourceOptions {
  /**
   * The authorization server's issuer identifier, exactly as its metadata and its tokens' `iss` say
   * (e.g. `https://auth.example.com`). Its RFC 8414 metadata is fetched from it. Required.
   * @see RFC 8414 §3, RFC 9068 §4
   */
  issuer: string;
  /** The `aud` values this resource server accepts (any one). Default: the issuer (the server's default audience). @see RFC 9068 §3 */
  audience?: string | string[];
  /** JWS algorithms accepted. Default `['ES256', 'RS256']`; `none` and symmetric algorithms are never accepted. @see RFC 9068 §4 */
  algorithms?: string[];
  /** Leeway for `exp`, `nbf` and `iat` against this server's clock, in seconds. Default 30. */
  clockTolerance?: number;
  /**
   * The longest lifetime (`exp - iat`, seconds) of a token this server accepts, beyond which (plus
   * `clockTolerance`) a token is refused however well signed: a token forged with a stolen key cannot
   * be made to live for long. Default 86400, the longest access-token lifetime the authorization server
   * issues (per-client lifetimes included); set it to your longest client lifetime.
   */
  maxTokenLifetime?: number;
  /** `realm` of the `WWW-Authenticate` challenges. Default: the first audience. @see RFC 6750 §3 */
  realm?: string;
  /** Where the metadata is. Default: `/.well-known/oauth-authorization-server` on the issuer (RFC 8414 §3). */
  metadataUrl?: string;
  /** Where the keys are. Default: the metadata's `jwks_uri`. */
  jwksUri?: string;
  /** Seconds a fetched key set is used before it is fetched again. Default 600. */
  jwksCacheMaxAge?: number;
  /**
   * Minimum seconds between two fetches of the key set caused by an unknown `kid` (a rotated key is
   * fetched on first sight; a flood of made-up `kid`s is not a flood of fetches). Default 30.
   */
  jwksCooldown?: number;
  /** Timeout of each request to the authorization server, in seconds. Default 5. */
  httpTimeout?: number;
  /** Also ask the authorization server whether each token was revoked (cached per `jti`). Default: off. */
  revocationCheck?: RevocationCheckOptions;
  /**
   * The authorization server (`DeviceGrantModule`) runs in this same application: ask its store
   * whether each token is still active, each answer kept at most a second, so a revoked token or one of
   * a disconnected device is refused within a second on every instance. Default: off.
   */
  localRevocationCheck?: boolean;
  /**
   * Most verified tokens remembered, so that a token presented again is not verified again (while its
   * `exp` and the key set it was checked with hold; revocation is still checked every time). The
   * oldest is forgotten first; 0 turns it off. Default 10000.
   */
  tokenCacheMaxEntries?: number;
  /** Time source; tests inject one. Default: the system clock. */
  clock?: Clock;
}

/** The defaults, merged once. */
export const DEFAULT_RESOURCE_OPTIONS = {
  algorithms: ['ES256', 'RS256'],
  clockTolerance: 30,
  maxTokenLifetime: 86_400,
  jwksCacheMaxAge: 600,
  jwksCooldown: 30,
  httpTimeout: 5,
  revocationCacheTtl: 30,
  revocationMaxEntries: 10_000,
  tokenCacheMaxEntries: 10_000,
};

/** Options with the defaults applied and every value checked. */
export interface ResolvedDeviceGrantResourceOptions {
  issuer: string;
  audience: string[];
  algorithms: string[];
  clockTolerance: number;
  maxTokenLifetime: number;
  realm: string;
  metadataUrl: string;
  jwksUri?: string;
  jwksCacheMaxAge: number;
  jwksCooldown: number;
  httpTimeout: number;
  revocationCheck?: Required<RevocationCheckOptions>;
  localRevocationCheck: boolean;
  tokenCacheMaxEntries: number;
  clock?: Clock;
}

/** Algorithms a resource server must never accept for our tokens: none, and shared-secret ones. */
const FORBIDDEN_ALGORITHMS = /^(none|HS\d+)$/i;

function seconds(name: string, value: number, allowZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new Error(`DeviceGrantResourceModule: option ${name} must be a ${allowZero ? 'non-negative' : 'positive'} number of seconds, got ${value}`);
  }
  return value;
}

/** The RFC 8414 §3 metadata URL of an issuer: the well-known segment goes between host and path. */
export function metadataUrlOf(issuer: string): string {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.origin}/.well-known/oauth-authorization-server${path}`;
}

/** Applies the defaults and checks every value; a clear error at start-up on a bad option. */
export function resolveResourceOptions(options: DeviceGrantResourceOptions): ResolvedDeviceGrantResourceOptions {
  if (!options || typeof options.issuer !== 'string') {
    throw new Error('DeviceGrantResourceModule: option issuer is required (the authorization server URL)');
  }
  const issuerUrl = new URL(options.issuer);
  if (issuerUrl.search || issuerUrl.hash || !/^https?:$/.test(issuerUrl.protocol)) {
    throw new Error(`DeviceGrantResourceModule: issuer must be an http(s) URL without query or fragment, got ${options.issuer}`);
  }
  const audience = options.audience === undefined ? [options.issuer] : [options.audience].flat();
  if (audience.length === 0 || audience.some((value) => typeof value !== 'string' || value === '')) {
    throw new Error('DeviceGrantResourceModule: option audience must be a non-empty string or list of strings');
  }
  const algorithms = options.algorithms ?? DEFAULT_RESOURCE_OPTIONS.algorithms;
  if (algorithms.length === 0 || algorithms.some((alg) => FORBIDDEN_ALGORITHMS.test(alg))) {
    throw new Error('DeviceGrantResourceModule: option algorithms must list asymmetric JWS algorithms only (never none or HS*)');
  }
  const tokenCacheMaxEntries = options.tokenCacheMaxEntries ?? DEFAULT_RESOURCE_OPTIONS.tokenCacheMaxEntries;
  if (!Number.isInteger(tokenCacheMaxEntries) || tokenCacheMaxEntries < 0) {
    throw new Error(`DeviceGrantResourceModule: option tokenCacheMaxEntries must be a non-negative integer, got ${tokenCacheMaxEntries}`);
  }
  const check = options.revocationCheck;
  if (check && (typeof check.clientId !== 'string' || typeof check.clientSecret !== 'string')) {
    throw new Error('DeviceGrantResourceModule: revocationCheck needs clientId and clientSecret');
  }
  if (check && options.localRevocationCheck) {
    throw new Error('DeviceGrantResourceModule: choose revocationCheck (introspection, a remote authorization server) or localRevocationCheck (the same application), not both');
  }
  return {
    issuer: options.issuer,
    audience,
    algorithms: [...algorithms],
    clockTolerance: seconds('clockTolerance', options.clockTolerance ?? DEFAULT_RESOURCE_OPTIONS.clockTolerance, true),
    maxTokenLifetime: seconds('maxTokenLifetime', options.maxTokenLifetime ?? DEFAULT_RESOURCE_OPTIONS.maxTokenLifetime),
    realm: options.realm ?? audience[0],
    metadataUrl: options.metadataUrl ?? metadataUrlOf(options.issuer),
    jwksUri: options.jwksUri,
    jwksCacheMaxAge: seconds('jwksCacheMaxAge', options.jwksCacheMaxAge ?? DEFAULT_RESOURCE_OPTIONS.jwksCacheMaxAge),
    jwksCooldown: seconds('jwksCooldown', options.jwksCooldown ?? DEFAULT_RESOURCE_OPTIONS.jwksCooldown, true),
    httpTimeout: seconds('httpTimeout', options.httpTimeout ?? DEFAULT_RESOURCE_OPTIONS.httpTimeout),
    revocationCheck: check && {
      clientId: check.clientId,
      clientSecret: check.clientSecret,
      cacheTtl: seconds('revocationCheck.cacheTtl', check.cacheTtl ?? DEFAULT_RESOURCE_OPTIONS.revocationCacheTtl, true),
      maxEntries: check.maxEntries ?? DEFAULT_RESOURCE_OPTIONS.revocationMaxEntries,
    },
    localRevocationCheck: options.localRevocationCheck === true,
    tokenCacheMaxEntries,
    clock: options.clock,
  };
}
