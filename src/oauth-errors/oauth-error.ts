/**
 * An error answered as RFC 6749 §5.2 JSON: `{ "error": ..., "error_description": ... }`.
 * Each RFC error code is its own small class; `OAuthExceptionFilter` serialises them all.
 * @see RFC 6749 §5.2
 */
export abstract class OAuthError extends Error {
  /** The registered error code. */
  abstract readonly error: string;
  /** HTTP status; 400 unless the RFC says otherwise. */
  readonly status: number = 400;
  /** Extra response headers (e.g. `WWW-Authenticate`). */
  readonly headers: Record<string, string> = {};
  #json?: string;

  constructor(readonly description?: string) {
    // An OAuth error is an answer, not a fault: nothing reads its stack (the filter serialises code
    // and description; only unexpected errors are logged with theirs). Capturing one walked the
    // whole Nest/rxjs call stack on every pending poll, a visible share of the poll's CPU.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(description);
    Error.stackTraceLimit = stackTraceLimit;
    this.name = new.target.name;
  }

  /** The RFC 6749 §5.2 body as JSON text, serialised once per error object (see {@link oauthErrorBody}). */
  get json(): string {
    return (this.#json ??= JSON.stringify(oauthErrorBody(this)));
  }
}

/** A required parameter is missing, repeated, malformed, or the request is otherwise malformed. @see RFC 6749 §5.2 */
export class InvalidRequest extends OAuthError {
  readonly error = 'invalid_request';
}

/** An OAuth endpoint called with another method than POST: `invalid_request`, as 405 with `Allow`. @see RFC 6749 §3.2 */
export class MethodNotAllowed extends InvalidRequest {
  override readonly status = 405;
  override readonly headers = { Allow: 'POST' };
}

/**
 * Client authentication failed. Always 401 with a `WWW-Authenticate: Basic` challenge, which RFC 6749 requires
 * when the client tried the `Authorization` header and HTTP requires of every 401.
 * @see RFC 6749 §5.2
 */
export class InvalidClient extends OAuthError {
  readonly error = 'invalid_client';
  override readonly status = 401;
  override readonly headers = { 'WWW-Authenticate': 'Basic realm="device-grant", charset="UTF-8"' };
}

/** The grant or refresh token is invalid, expired, revoked, already used, or issued to another client. @see RFC 6749 §5.2 */
export class InvalidGrant extends OAuthError {
  readonly error = 'invalid_grant';
}

/** The client may not use this grant type. @see RFC 6749 §5.2 */
export class UnauthorizedClient extends OAuthError {
  readonly error = 'unauthorized_client';
}

/** The grant type is not supported by this server. @see RFC 6749 §5.2 */
export class UnsupportedGrantType extends OAuthError {
  readonly error = 'unsupported_grant_type';
}

/** The requested scope is invalid, unknown, malformed, or wider than allowed. @see RFC 6749 §5.2 */
export class InvalidScope extends OAuthError {
  readonly error = 'invalid_scope';
}

/** The user has not yet approved or denied the request. @see RFC 8628 §3.5 */
export class AuthorizationPending extends OAuthError {
  readonly error = 'authorization_pending';
}

/** Still pending, and the device polls too fast: it must add 5 seconds to its interval. @see RFC 8628 §3.5 */
export class SlowDown extends OAuthError {
  readonly error = 'slow_down';
}

/** The user denied the request. @see RFC 8628 §3.5 */
export class AccessDenied extends OAuthError {
  readonly error = 'access_denied';
}

/** The device code expired before it was redeemed. @see RFC 8628 §3.5 */
export class ExpiredToken extends OAuthError {
  readonly error = 'expired_token';
}

/** `Retry-After` in whole seconds, at least 1 (a client told 0 would ask again at once). @see RFC 9110 §10.2.3 */
function retryAfter(seconds: number): Record<string, string> {
  return { 'Retry-After': String(Math.max(1, Math.ceil(seconds))) };
}

/**
 * Too many requests from this address or for this client: 429 with `Retry-After` (seconds). The code
 * is `slow_down`, RFC 8628's word for "ask less often", as no RFC registers one for a rate limit on the
 * device authorization endpoint.
 * @see RFC 6749 §5.2, RFC 8628 §3.5, RFC 6585 §4
 */
export class TooManyRequests extends OAuthError {
  readonly error = 'slow_down';
  override readonly status = 429;
  override readonly headers: Record<string, string>;

  constructor(retryAfterSeconds: number, description?: string) {
    super(description);
    this.headers = retryAfter(retryAfterSeconds);
  }
}

/**
 * The server cannot take the request now (overloaded, or a dependency is down): 503 with `Retry-After`.
 * @see RFC 6749 §4.1.2.1, RFC 9110 §15.6.4
 */
export class TemporarilyUnavailable extends OAuthError {
  readonly error = 'temporarily_unavailable';
  override readonly status = 503;
  override readonly headers: Record<string, string>;

  constructor(retryAfterSeconds: number, description?: string) {
    super(description);
    this.headers = retryAfter(retryAfterSeconds);
  }
}

/** The server failed in a way it did not expect; the details stay in the server log. @see RFC 6749 §4.1.2.1 */
export class ServerError extends OAuthError {
  readonly error = 'server_error';
  override readonly status = 500;
}

/** Characters RFC 6749 Appendix A.7 allows in `error_description`. */
const DESCRIPTION_UNSAFE = /[^\x20\x21\x23-\x5B\x5D-\x7E]/g;

/** The RFC 6749 §5.2 body of an error. @see RFC 6749 §5.2 */
export function oauthErrorBody(error: OAuthError): { error: string; error_description?: string } {
  const description = error.description?.replace(DESCRIPTION_UNSAFE, '?').slice(0, 300);
  return description ? { error: error.error, error_description: description } : { error: error.error };
}
