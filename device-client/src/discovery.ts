import { errorFromResponse, readJson, send, sleep, type Transport } from './http.js';
import { ResponseValidationError } from './errors.js';
import { optionalUrl, requireString, requireUrl } from './validate.js';

/**
 * The members of the authorization server metadata this client reads, with RFC names. The rest
 * of the document is kept as is.
 *
 * @see RFC 8414 §2
 * @see RFC 8628 §4
 */
export interface AuthorizationServerMetadata {
  readonly issuer: string;
  readonly token_endpoint: string;
  readonly device_authorization_endpoint?: string;
  readonly revocation_endpoint?: string;
  readonly [member: string]: unknown;
}

/**
 * The endpoints the client talks to, either given explicitly or taken from metadata.
 *
 * @see RFC 8628 §3.1 (device authorization endpoint)
 * @see RFC 6749 §3.2 (token endpoint)
 * @see RFC 7009 §2 (revocation endpoint)
 */
export interface Endpoints {
  deviceAuthorizationEndpoint: string;
  tokenEndpoint: string;
  /** Without it, `logout()` only deletes the local store. */
  revocationEndpoint?: string;
}

/**
 * Options of {@link discover}.
 *
 * @see RFC 8414 §3.1
 */
export interface DiscoveryOptions {
  /** An alternative `fetch` (e.g. one that goes through a proxy). */
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /** Per-request timeout in seconds. Default 10. */
  timeout?: number;
  /** Allow plain http to hosts other than loopback. Default false. */
  allowInsecureRequests?: boolean;
}

/**
 * The metadata URL of an issuer: `/.well-known/oauth-authorization-server` is inserted between
 * the host and the path, after removing a terminating `/` from the path.
 *
 * @example `https://as.example/tenant/` → `https://as.example/.well-known/oauth-authorization-server/tenant`
 * @see RFC 8414 §3.1
 */
export function metadataUrl(issuer: string): URL {
  const url = new URL(issuer);
  if (url.search || url.hash || issuer.includes('#')) {
    throw new TypeError('the issuer identifier must have no query and no fragment (RFC 8414 §2)');
  }
  const path = url.pathname.replace(/\/$/, '');
  return new URL(`/.well-known/oauth-authorization-server${path}`, url.origin);
}

/**
 * Fetches and validates RFC 8414 metadata: the returned `issuer` must be identical, code point
 * by code point, to the issuer given, and every endpoint this client uses must be a URL.
 *
 * @see RFC 8414 §3
 * @see RFC 8414 §3.3
 * @see RFC 8628 §4
 */
export async function discover(issuer: string, options: DiscoveryOptions = {}): Promise<AuthorizationServerMetadata> {
  const transport: Transport = {
    fetch: options.fetch ?? fetch,
    now: Date.now,
    sleep,
    timeoutMs: (options.timeout ?? 10) * 1000,
    maxAttempts: 3,
    baseDelayMs: 500,
    maxDelayMs: 5000,
    allowInsecureRequests: options.allowInsecureRequests ?? false,
  };
  return fetchMetadata(transport, issuer, options.signal);
}

/**
 * {@link discover} over an existing transport.
 *
 * @see RFC 8414 §3.3
 */
export async function fetchMetadata(
  t: Transport,
  issuer: string,
  signal?: AbortSignal,
): Promise<AuthorizationServerMetadata> {
  const where = 'authorization server metadata';
  const url = metadataUrl(issuer).href;
  const response = await send(t, url, { headers: { accept: 'application/json' } }, { signal });
  if (response.status !== 200) throw await errorFromResponse(response, where);
  const body = await readJson(response, where);
  if (requireString(body, 'issuer', where) !== issuer) {
    throw new ResponseValidationError(`${where}: "issuer" ${JSON.stringify(body.issuer)} is not ${JSON.stringify(issuer)}`);
  }
  requireUrl(body, 'token_endpoint', where);
  optionalUrl(body, 'device_authorization_endpoint', where);
  optionalUrl(body, 'revocation_endpoint', where);
  return body as AuthorizationServerMetadata;
}

/**
 * Picks the endpoints from metadata; a server without a device authorization endpoint is unusable.
 *
 * @see RFC 8628 §4
 */
export function endpointsFromMetadata(metadata: AuthorizationServerMetadata): Endpoints {
  if (!metadata.device_authorization_endpoint) {
    throw new ResponseValidationError('authorization server metadata: no "device_authorization_endpoint"');
  }
  return {
    deviceAuthorizationEndpoint: metadata.device_authorization_endpoint,
    tokenEndpoint: metadata.token_endpoint,
    revocationEndpoint: metadata.revocation_endpoint,
  };
}
