/**
 * The events the module emits through Nest's event system (`@nestjs/event-emitter`). Payloads carry
 * identifiers only: never a device code, token, secret or password.
 */
export const DeviceGrantEvent = {
  /** A device asked for a code. */
  GrantRequested: 'device-grant.grant.requested',
  /** A person approved a device. */
  GrantApproved: 'device-grant.grant.approved',
  /** A person denied a device. */
  GrantDenied: 'device-grant.grant.denied',
  /** A device polled after its code expired. */
  GrantExpired: 'device-grant.grant.expired',
  /** Tokens were issued for a device grant (its one redemption). */
  TokenIssued: 'device-grant.token.issued',
  /** A refresh token was rotated. */
  TokenRefreshed: 'device-grant.token.refreshed',
  /** An already rotated refresh token was presented again; its family is revoked. */
  RefreshReuseDetected: 'device-grant.token.refresh-reuse-detected',
  /**
   * A refresh was retried with the token it had just rotated (its answer was lost): the unused
   * successor is superseded and a new one issued. Not a theft, but worth watching.
   */
  RefreshRetried: 'device-grant.token.refresh-retried',
  /** A token, a family or a whole grant was revoked. */
  TokenRevoked: 'device-grant.token.revoked',
  /** Wrong codes or passwords locked code entry or sign-in for a while. */
  Lockout: 'device-grant.lockout',
} as const;

export type DeviceGrantEventName = (typeof DeviceGrantEvent)[keyof typeof DeviceGrantEvent];

export interface GrantRequestedEvent {
  grantId: string;
  clientId: string;
  scope: string;
  deviceName: string | null;
  deviceModel: string | null;
  ip: string | null;
}

export interface GrantDecidedEvent {
  grantId: string;
  clientId: string;
  /** Who approved (absent for a denial). */
  subject?: string;
}

export interface GrantExpiredEvent {
  grantId: string;
  clientId: string;
}

export interface TokenIssuedEvent {
  grantId: string;
  clientId: string;
  subject: string;
  scope: string;
  /** `jti` of the access token. */
  jti?: string;
  refreshToken: boolean;
}

export interface RefreshReuseEvent {
  familyId: string;
  grantId: string;
  clientId: string;
  subject: string;
}

export interface RefreshRetriedEvent {
  familyId: string;
  grantId: string;
  clientId: string;
}

export interface TokenRevokedEvent {
  clientId: string;
  /** What was revoked. */
  what: 'access_token' | 'refresh_token_family' | 'grant';
  grantId?: string;
  subject?: string;
}

export interface LockoutEvent {
  /** What is locked: `code:session`, `code:ip`, `signin:account-ip`, `signin:ip`, `signin:account`. */
  scope: string;
  /** The address key (IPv4, or an IPv6 /64) for address lockouts; session and account keys are hashes and not exposed. */
  ip?: string;
  /** Until when (ms since the epoch). */
  until: number;
}

/** Each event's payload. */
export interface DeviceGrantEventMap {
  [DeviceGrantEvent.GrantRequested]: GrantRequestedEvent;
  [DeviceGrantEvent.GrantApproved]: GrantDecidedEvent;
  [DeviceGrantEvent.GrantDenied]: GrantDecidedEvent;
  [DeviceGrantEvent.GrantExpired]: GrantExpiredEvent;
  [DeviceGrantEvent.TokenIssued]: TokenIssuedEvent;
  [DeviceGrantEvent.TokenRefreshed]: TokenIssuedEvent;
  [DeviceGrantEvent.RefreshReuseDetected]: RefreshReuseEvent;
  [DeviceGrantEvent.RefreshRetried]: RefreshRetriedEvent;
  [DeviceGrantEvent.TokenRevoked]: TokenRevokedEvent;
  [DeviceGrantEvent.Lockout]: LockoutEvent;
}
