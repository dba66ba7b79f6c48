/**
 * The kit's data as plain records: what the store contract ({@link DeviceGrantStore}) reads and writes.
 * Timestamps are milliseconds since the epoch; secrets appear only as hashes.
 */

/** Where a device grant stands. @see RFC 8628 §3.3–3.5 */
export type DeviceGrantStatus = 'pending' | 'approved' | 'denied' | 'redeemed';

/** A device authorization request and, once the user decided, its decision. @see RFC 8628 §3.2 */
export interface GrantRecord {
  id: string;
  /** The device code's lookup key (see `deviceCodeKey`); the code itself is never stored. */
  deviceCodeHash: string;
  /** The user code, normalised (no dashes, upper case). */
  userCode: string;
  clientId: string;
  /** Space-separated scopes asked for. */
  scope: string;
  status: DeviceGrantStatus;
  /** Who approved it; null until approved. */
  subject: string | null;
  /** Seconds the device must wait between polls; grows by `slow_down`. */
  interval: number;
  lastPolledAt: number | null;
  createdAt: number;
  expiresAt: number;
  decidedAt: number | null;
  redeemedAt: number | null;
  deviceName: string | null;
  deviceModel: string | null;
  deviceSerial: string | null;
  requestIp: string | null;
  requestUserAgent: string | null;
  /** When the user disconnected the device (its tokens were revoked with it); null while connected. */
  revokedAt: number | null;
}

/** A new pending grant as the device authorization endpoint writes it. */
export type NewGrant = Omit<GrantRecord, 'status' | 'subject' | 'lastPolledAt' | 'decidedAt' | 'redeemedAt' | 'revokedAt'>;

/** The columns of a grant a poll decides on. */
export type PolledGrant = Pick<GrantRecord, 'id' | 'clientId' | 'status' | 'interval' | 'expiresAt' | 'revokedAt' | 'subject' | 'scope'>;

/** One poll of the token endpoint: the grant by its device-code key, the client asking, when it asked. */
export interface Poll {
  deviceCodeHash: string;
  clientId: string;
  at: number;
}

/** A registered OAuth client. @see RFC 6749 §2 */
export interface ClientRecord {
  clientId: string;
  name: string;
  /** `scrypt$N$r$p$salt$hash`, or null for a public client. */
  secretHash: string | null;
  /** The secret replaced by the last rotation; accepted until `previousSecretExpiresAt`. */
  previousSecretHash: string | null;
  previousSecretExpiresAt: number | null;
  /** Space-separated scopes the client may ask for. */
  scopes: string;
  /** Space-separated grant types the client may use. */
  grantTypes: string;
  /** Seconds; null takes the module's. */
  accessTokenTtl: number | null;
  /** Seconds; null takes the module's. */
  refreshTokenTtl: number | null;
  alwaysIssueRefreshToken: boolean;
  disabled: boolean;
  createdAt: number;
}

/** One refresh token of a rotation family. @see RFC 9700 §4.14.2 */
export interface RefreshTokenRecord {
  id: string;
  /** SHA-256 of the token, hex. */
  tokenHash: string;
  familyId: string;
  grantId: string;
  clientId: string;
  subject: string;
  /** Space-separated scopes the user consented to. */
  scope: string;
  createdAt: number;
  expiresAt: number;
  /** Set when the token was rotated; a second use is a replay (unless a retry, see `RefreshTokenStore.use`). */
  usedAt: number | null;
  revokedAt: number | null;
  /** Set when a retried rotation replaced this unused token: presented later, it proves two holders. */
  supersededAt: number | null;
}

/** One issued JWT access token, by `jti`, kept until it expires. @see RFC 9068, RFC 7009 */
export interface AccessTokenRecord {
  jti: string;
  grantId: string;
  /** The refresh-token family issued with it, if any. */
  familyId: string | null;
  clientId: string;
  subject: string;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

/** An asymmetric key pair that signs access tokens. @see RFC 9068 §4 */
export interface SigningKeyRecord {
  kid: string;
  alg: string;
  /** The public JWK, JSON. */
  publicJwk: string;
  /** The private JWK, JSON, sealed with the key-encryption key (see `KeyVault`). */
  privateJwk: string;
  createdAt: number;
  /** When it stopped signing; null while current. */
  rotatedAt: number | null;
  /** When it was revoked: out of the JWKS at once; null unless revoked. */
  revokedAt: number | null;
}

/** A counter's state after an attempt was taken from its budget. */
export interface AttemptCount {
  /** Attempts in the current window, this one included (not counted while locked). */
  attempts: number;
  /** Lockouts so far; each doubles the next. */
  lockouts: number;
  /** Until when the key is locked (ms); 0 or past when it is not. */
  lockedUntil: number;
  /** When the current window started (ms). */
  windowStart: number;
}

/** Rows removed by one housekeeping run, per kind. */
export interface PurgeReport {
  grants: number;
  refreshTokens: number;
  accessTokens: number;
  rateLimits: number;
  signIns: number;
}

/**
 * A sign-in on the activation pages, kept on the server so that ending it ends it everywhere: the
 * browser's cookie names it, and a cookie whose sign-in has ended (signed out, signed out everywhere,
 * or expired) is treated as signed out.
 */
export interface SignInRecord {
  /** SHA-256 of the sign-in id the cookie carries (the database never holds the id itself). */
  id: string;
  subject: string;
  createdAt: number;
  expiresAt: number;
  /** When it was ended (sign-out); null while it lasts. */
  endedAt: number | null;
}
