import { Injectable } from '@nestjs/common';
import { decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify } from 'jose';
import { systemClock, type Clock } from '../clock.js';
import { AuthorizationServerMetadataService, AuthorizationServerUnavailable } from './authorization-server-metadata.service.js';
import { InvalidToken } from './bearer-errors.js';
import type { ResolvedDeviceGrantResourceOptions } from './device-grant-resource.options.js';
import { InjectDeviceGrantResourceOptions } from './device-grant-resource.module-definition.js';
import type { DeviceGrantPrincipal } from './device-grant-principal.js';
import { RevocationCheckService } from './revocation-check.service.js';
import { VerifiedTokenCache } from './verified-token-cache.js';

/** `typ` values of a JWT access token. @see RFC 9068 §2.1 */
const ACCESS_TOKEN_TYPES = new Set(['at+jwt', 'application/at+jwt']);

/** jose errors that mean "this token is not good" (anything else is ours or the network's). */
const TOKEN_ERRORS = [
  joseErrors.JWTExpired,
  joseErrors.JWTClaimValidationFailed,
  joseErrors.JWTInvalid,
  joseErrors.JWSInvalid,
  joseErrors.JWSSignatureVerificationFailed,
  joseErrors.JOSEAlgNotAllowed,
  joseErrors.JOSENotSupported,
  joseErrors.JWKSNoMatchingKey,
  joseErrors.JWKSMultipleMatchingKeys,
];

/**
 * Verifies our JWT access tokens locally, in the order RFC 9068 §4 gives: `typ`, `iss`, `aud`,
 * signature (an allowed asymmetric algorithm, a key from the issuer's JWKS), `exp` with a small
 * leeway, a lifetime (`exp - iat`) no longer than `maxTokenLifetime`; then, if configured, asks the authorization server whether it was revoked.
 * A token verified once is remembered (`VerifiedTokenCache`): presented again, its signature is not
 * checked again while its `exp` and the key set it was checked with still hold; the revocation check
 * runs on every request all the same.
 * Every refusal is `InvalidToken`; an unreachable authorization server is `AuthorizationServerUnavailable`.
 * @see RFC 9068 §4, RFC 6750 §3.1
 */
@Injectable()
export class DeviceGrantTokenVerifier {
  private readonly clock: Clock;
  private readonly verified: VerifiedTokenCache;

  constructor(
    @InjectDeviceGrantResourceOptions() private readonly options: ResolvedDeviceGrantResourceOptions,
    private readonly metadata: AuthorizationServerMetadataService,
    private readonly revocation: RevocationCheckService,
  ) {
    this.clock = options.clock ?? systemClock;
    this.verified = new VerifiedTokenCache(options.tokenCacheMaxEntries, this.clock, options.clockTolerance);
  }

  async verify(token: string): Promise<DeviceGrantPrincipal> {
    // Read before verifying: a token is remembered under the key set current when its check began.
    const keySet = this.metadata.keySetVersion();
    const known = this.verified.get(token, keySet);
    if (known) {
      if (this.revocation.enabled) {
        // The usual case answers without waiting: the revocation answer for this token is remembered.
        const active = this.revocation.remembered(known.jti);
        if (active === false) throw new InvalidToken('the access token was revoked');
        if (active === undefined) await this.refuseRevoked(token, known);
      }
      return known;
    }
    this.precheck(token);
    let payload;
    try {
      ({ payload } = await jwtVerify(token, await this.metadata.keys(), {
        typ: 'at+jwt',
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: this.options.algorithms,
        clockTolerance: this.options.clockTolerance,
        currentDate: new Date(this.clock.now()),
        requiredClaims: ['sub', 'exp', 'iat', 'jti', 'client_id'],
      }));
    } catch (error) {
      if (TOKEN_ERRORS.some((type) => error instanceof type)) throw new InvalidToken(describe(error as Error));
      if (error instanceof AuthorizationServerUnavailable) throw error;
      throw new AuthorizationServerUnavailable('its keys could not be fetched');
    }
    const { sub, client_id, scope, jti, exp, iat } = payload;
    if (typeof client_id !== 'string' || typeof jti !== 'string' || typeof sub !== 'string' || typeof exp !== 'number' || typeof iat !== 'number') {
      throw new InvalidToken('the access token lacks required claims');
    }
    if (exp - iat > this.options.maxTokenLifetime + this.options.clockTolerance) {
      throw new InvalidToken('the access token lives longer than this server accepts');
    }
    if (scope !== undefined && typeof scope !== 'string') throw new InvalidToken('the scope claim must be a string');
    const principal = { sub, client_id, scope: scope ?? '', jti, exp };
    this.verified.set(token, principal, payload.nbf, keySet);
    if (this.revocation.enabled) await this.refuseRevoked(token, principal);
    return principal;
  }

  private async refuseRevoked(token: string, { jti, exp }: DeviceGrantPrincipal): Promise<void> {
    if (!(await this.revocation.isActive(token, jti, exp))) throw new InvalidToken('the access token was revoked');
  }

  /** Cheap checks before any key is fetched: the header's `typ` and `alg`, the (unverified) `iss`. */
  private precheck(token: string): void {
    let header;
    let claims;
    try {
      header = decodeProtectedHeader(token);
      claims = decodeJwt(token);
    } catch {
      throw new InvalidToken('the access token is malformed');
    }
    if (typeof header.typ !== 'string' || !ACCESS_TOKEN_TYPES.has(header.typ.toLowerCase())) {
      throw new InvalidToken('the token is not a JWT access token (typ)');
    }
    if (typeof header.alg !== 'string' || !this.options.algorithms.includes(header.alg)) {
      throw new InvalidToken('the token is signed with an algorithm this server does not accept');
    }
    if (claims.iss !== this.options.issuer) throw new InvalidToken('the token comes from another issuer');
  }
}

function describe(error: Error): string {
  if (error instanceof joseErrors.JWTExpired) return 'the access token expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'aud') return 'the access token is for another audience';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `the access token has an invalid ${error.claim} claim`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'the access token signature is invalid';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'the access token is signed with an unknown key';
  return 'the access token is invalid';
}
