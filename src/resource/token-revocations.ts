import { Inject } from '@nestjs/common';

/**
 * What an authorization server in the same application answers about its own access tokens, without
 * HTTP: `DeviceGrantModule` provides it, and `DeviceGrantResourceModule` with `localRevocationCheck`
 * asks it (a revoked token, or one of a disconnected device, is refused within a second).
 */
export interface TokenRevocations {
  /** Whether the access token `jti` is still active: recorded, not revoked, not expired. */
  isActive(jti: string): Promise<boolean>;
}

export const DEVICE_GRANT_TOKEN_REVOCATIONS = Symbol('DEVICE_GRANT_TOKEN_REVOCATIONS');

export const InjectTokenRevocations = () => Inject(DEVICE_GRANT_TOKEN_REVOCATIONS);
