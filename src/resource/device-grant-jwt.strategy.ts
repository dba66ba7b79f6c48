import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { BearerTokenStrategy } from './bearer-token.strategy.js';
import type { DeviceGrantPrincipal } from './device-grant-principal.js';
import { DeviceGrantTokenVerifier } from './device-grant-token.verifier.js';

/** The passport name of the strategy; distinct from the `'jwt'` an application may already use. */
export const DEVICE_GRANT_JWT_STRATEGY = 'device-grant-jwt';

/**
 * Passport strategy for this kit's JWT access tokens, registered as `'device-grant-jwt'`.
 * `DeviceGrantAuthGuard` runs it (with RFC 6750 answers); `AuthGuard('device-grant-jwt')` works too,
 * with Nest's plain 401.
 * @see RFC 9068 §4, RFC 6750
 */
@Injectable()
export class DeviceGrantJwtStrategy extends PassportStrategy(BearerTokenStrategy, DEVICE_GRANT_JWT_STRATEGY) {
  constructor(private readonly verifier: DeviceGrantTokenVerifier) {
    super();
  }

  validate(token: string): Promise<DeviceGrantPrincipal> {
    return this.verifier.verify(token);
  }
}
