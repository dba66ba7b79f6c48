/**
 * The grant type URN of the device authorization grant.
 *
 * @see RFC 8628 §3.4
 * @see RFC 8628 §7.2
 */
export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * The device authorization response, with RFC member names, as validated by the client.
 *
 * @see RFC 8628 §3.2
 */
export interface DeviceAuthorizationResponse {
  /** The device verification code. Never shown to the user. */
  readonly device_code: string;
  /** The code the user enters at the verification URI. */
  readonly user_code: string;
  /** The URI the user opens on a second device. */
  readonly verification_uri: string;
  /** A URI with the user code embedded, meant for a QR code. */
  readonly verification_uri_complete?: string;
  /** Lifetime of `device_code` and `user_code`, in seconds. */
  readonly expires_in: number;
  /** Minimum seconds between polls; 5 when absent. */
  readonly interval?: number;
}

/**
 * A device authorization in progress: what the device shows and what it polls with, with absolute
 * deadlines. This is what the token store keeps so that polling can resume after a reboot.
 *
 * @see RFC 8628 §3.2
 * @see RFC 8628 §3.5
 */
export interface PendingAuthorization {
  /** `device_code`: sent on every poll, never shown. */
  deviceCode: string;
  /** `user_code`: always shown to the user. */
  userCode: string;
  /** `verification_uri`. */
  verificationUri: string;
  /** `verification_uri_complete`, if the server sent one. */
  verificationUriComplete?: string;
  /** The current polling interval in seconds (5 when the server sent none, +5 after each `slow_down`). */
  interval: number;
  /** When the device authorization request was sent (ms since the epoch). */
  requestedAt: number;
  /** `requestedAt + expires_in`: no poll is sent at or after this moment (ms since the epoch). */
  expiresAt: number;
  /** The scope that was requested, if any. */
  scope?: string;
}

/**
 * A successful access token response, with RFC member names, as validated by the client.
 * Unknown members are kept.
 *
 * @see RFC 6749 §5.1
 */
export interface TokenEndpointResponse {
  readonly access_token: string;
  /** Always `Bearer` (case-insensitive); other types are rejected. */
  readonly token_type: string;
  /** Lifetime of the access token, in seconds. */
  readonly expires_in?: number;
  readonly refresh_token?: string;
  readonly scope?: string;
  readonly [member: string]: unknown;
}

/**
 * The tokens the device holds, with absolute expiry.
 *
 * @see RFC 6749 §5.1
 * @see RFC 6749 §6
 */
export interface TokenSet {
  accessToken: string;
  /** The `token_type` as sent (always Bearer). */
  tokenType: string;
  /** The current refresh token; kept from the previous response when a refresh did not rotate it. */
  refreshToken?: string;
  /** The granted scope, when the server said. */
  scope?: string;
  /** When the token request was sent (ms since the epoch). */
  issuedAt: number;
  /** `issuedAt + expires_in` (ms since the epoch); absent when the server gave no `expires_in`. */
  expiresAt?: number;
}

/**
 * What a {@link TokenStore} holds: the tokens, and/or a pending authorization to resume.
 *
 * @see RFC 8628 §3.5
 * @see RFC 6749 §10.4
 */
export interface StoredState {
  tokens?: TokenSet;
  pending?: PendingAuthorization;
}

/**
 * Device details sent with the device authorization request as `device_name`, `device_model` and
 * `device_serial` (extension parameters; servers that do not know them ignore them).
 *
 * @see RFC 8628 §3.1 (unknown parameters are ignored)
 */
export interface DeviceDetails {
  name?: string;
  model?: string;
  serial?: string;
}

/**
 * The clock the client uses: `now()` in milliseconds since the epoch, `sleep(ms, signal)` that
 * rejects with `signal.reason` as soon as the signal aborts. Inject a virtual clock in tests.
 *
 * @see RFC 8628 §3.5 (the interval between polls)
 */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Retry policy for network errors, per-request timeouts, 5xx and 429 responses. Delays grow
 * exponentially with jitter, are capped, and honour `Retry-After`. Polling ignores `maxAttempts`
 * and retries for as long as the device code lives.
 *
 * @see RFC 8628 §3.5 (exponential backoff on connection timeouts)
 * @see RFC 9110 §10.2.3 (Retry-After)
 */
export interface RetryOptions {
  /** Attempts per request outside polling, the first one included. Default 4. */
  maxAttempts?: number;
  /** First backoff delay in seconds. Default 1. */
  baseDelay?: number;
  /** Cap on one backoff delay in seconds; a longer `Retry-After` ends the retries. Default 30. */
  maxDelay?: number;
}
