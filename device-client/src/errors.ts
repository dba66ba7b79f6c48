/**
 * Options shared by every {@link OAuthError}.
 *
 * @see RFC 6749 §5.2
 */
export interface OAuthErrorOptions {
  /** The `error_uri` member of the response, when the server sent one. */
  uri?: string;
  /** The HTTP status of the response that carried the error (0 when raised by the client). */
  status?: number;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * An OAuth error response (`{ "error": ..., "error_description": ... }`) from the authorization
 * server, or the client-side equivalent of one (e.g. the device code expired locally). Every
 * registered code has its own subclass; unknown codes are raised as a plain `OAuthError`.
 *
 * @see RFC 6749 §5.2
 * @see RFC 8628 §3.5
 */
export class OAuthError extends Error {
  /** The `error` code, e.g. `access_denied`. */
  readonly error: string;
  /** The `error_description` member, if any. */
  readonly errorDescription: string | undefined;
  /** The `error_uri` member, if any. */
  readonly errorUri: string | undefined;
  /** The HTTP status of the response (0 when the error was raised by the client itself). */
  readonly status: number;

  constructor(error: string, description?: string, options: OAuthErrorOptions = {}) {
    super(description ? `${error}: ${description}` : error, { cause: options.cause });
    this.name = new.target.name;
    this.error = error;
    this.errorDescription = description;
    this.errorUri = options.uri;
    this.status = options.status ?? 0;
  }
}

/**
 * `authorization_pending`: the user has not finished yet. The poller keeps going; callers only
 * see it from a single low-level poll.
 *
 * @see RFC 8628 §3.5
 */
export class AuthorizationPendingError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('authorization_pending', description, options);
  }
}

/**
 * `slow_down`: still pending, and the client must add 5 seconds to its polling interval.
 *
 * @see RFC 8628 §3.5
 */
export class SlowDownError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('slow_down', description, options);
  }
}

/**
 * `access_denied`: the user denied the request. Polling stops.
 *
 * @see RFC 8628 §3.5
 */
export class AccessDeniedError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('access_denied', description, options);
  }
}

/**
 * `expired_token`: the device code expired, either as reported by the server or because the
 * client's own deadline (`expires_in` counted from the moment the request was sent) passed. A new
 * authorization should only be started when the user asks for it.
 *
 * @see RFC 8628 §3.5
 */
export class ExpiredTokenError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('expired_token', description, options);
  }
}

/**
 * `invalid_grant`: the device code or refresh token is invalid, expired, revoked or was issued to
 * another client.
 *
 * @see RFC 6749 §5.2
 */
export class InvalidGrantError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('invalid_grant', description, options);
  }
}

/**
 * `invalid_client`: client authentication failed.
 *
 * @see RFC 6749 §5.2
 */
export class InvalidClientError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('invalid_client', description, options);
  }
}

/**
 * `invalid_request`: the request was malformed.
 *
 * @see RFC 6749 §5.2
 */
export class InvalidRequestError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('invalid_request', description, options);
  }
}

/**
 * `invalid_scope`: the requested scope is invalid, unknown or too wide.
 *
 * @see RFC 6749 §5.2
 */
export class InvalidScopeError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('invalid_scope', description, options);
  }
}

/**
 * `unauthorized_client`: this client may not use the grant type.
 *
 * @see RFC 6749 §5.2
 */
export class UnauthorizedClientError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('unauthorized_client', description, options);
  }
}

/**
 * `unsupported_grant_type`: the server does not support the grant type.
 *
 * @see RFC 6749 §5.2
 */
export class UnsupportedGrantTypeError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('unsupported_grant_type', description, options);
  }
}

/**
 * `unsupported_token_type`: the revocation endpoint cannot revoke this type of token.
 *
 * @see RFC 7009 §2.2.1
 */
export class UnsupportedTokenTypeError extends OAuthError {
  constructor(description?: string, options?: OAuthErrorOptions) {
    super('unsupported_token_type', description, options);
  }
}

type OAuthErrorClass = new (description?: string, options?: OAuthErrorOptions) => OAuthError;

const ERROR_CLASSES: Record<string, OAuthErrorClass> = {
  authorization_pending: AuthorizationPendingError,
  slow_down: SlowDownError,
  access_denied: AccessDeniedError,
  expired_token: ExpiredTokenError,
  invalid_grant: InvalidGrantError,
  invalid_client: InvalidClientError,
  invalid_request: InvalidRequestError,
  invalid_scope: InvalidScopeError,
  unauthorized_client: UnauthorizedClientError,
  unsupported_grant_type: UnsupportedGrantTypeError,
  unsupported_token_type: UnsupportedTokenTypeError,
};

/**
 * Builds the typed {@link OAuthError} subclass for an error code.
 *
 * @see RFC 6749 §5.2
 * @see RFC 8628 §3.5
 */
export function createOAuthError(
  error: string,
  description?: string,
  options?: OAuthErrorOptions,
): OAuthError {
  const Class = Object.hasOwn(ERROR_CLASSES, error) ? ERROR_CLASSES[error] : undefined;
  return Class ? new Class(description, options) : new OAuthError(error, description, options);
}

/**
 * Why the device has to be paired again.
 *
 * @see RFC 6749 §5.2
 */
export type PairAgainReason = 'invalid_grant' | 'no_tokens' | 'no_refresh_token';

/**
 * The stored grant is gone or no longer usable (the refresh token was rejected with
 * `invalid_grant`, or nothing is stored): the device must run the device authorization flow again.
 * When raised after `invalid_grant` the store has already been cleared.
 *
 * @see RFC 6749 §5.2 (`invalid_grant`)
 * @see RFC 6749 §6
 */
export class DeviceMustPairAgainError extends Error {
  /** What made the pairing unusable. */
  readonly reason: PairAgainReason;

  constructor(reason: PairAgainReason, options?: { cause?: unknown }) {
    super(
      reason === 'invalid_grant'
        ? 'the authorization server rejected the refresh token; the device must be paired again'
        : reason === 'no_tokens'
          ? 'the device is not paired'
          : 'the access token expired and there is no refresh token; the device must be paired again',
      options,
    );
    this.name = 'DeviceMustPairAgainError';
    this.reason = reason;
  }
}

/**
 * A response from the server broke the RFC (a missing or mistyped member, a wrong `issuer`, a
 * non-JSON body, a `token_type` the client does not understand...).
 *
 * @see RFC 6749 §5.1
 * @see RFC 8628 §3.2
 * @see RFC 8414 §3.3
 */
export class ResponseValidationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ResponseValidationError';
  }
}

/**
 * The server could not be reached or kept failing (network error, per-request timeout, 5xx or
 * 429) after the retries allowed, or it answered with a status that carries no OAuth error.
 *
 * @see RFC 8628 §3.5 (back off on connection timeouts)
 */
export class TransportError extends Error {
  /** The HTTP status of the last response, if there was one. */
  readonly status: number | undefined;

  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'TransportError';
    this.status = options.status;
  }
}

/**
 * What went wrong with a token store.
 *
 * @see RFC 6749 §10.4
 */
export type TokenStoreErrorCode = 'corrupt' | 'decrypt' | 'key' | 'unsupported-version' | 'lock-timeout';

/**
 * The token store could not be read or locked: the file is corrupt, cannot be decrypted with the
 * key given (or is encrypted and no key was given), the key file is unusable, the file was written
 * by a newer schema version, or the lock could not be taken in time.
 *
 * @see RFC 6749 §10.4 (keep refresh tokens confidential)
 */
export class TokenStoreError extends Error {
  /** A stable code a caller can branch on. */
  readonly code: TokenStoreErrorCode;

  constructor(code: TokenStoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TokenStoreError';
    this.code = code;
  }
}
