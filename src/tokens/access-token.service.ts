import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { CLOCK, type Clock } from '../clock.js';
import type { ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { DEVICE_GRANT_OPTIONS } from '../device-grant.tokens.js';
import { SigningKeyService } from './signing-key.service.js';

/** What an access token says. */
export interface AccessTokenClaims {
  subject: string;
  clientId: string;
  scope: string;
  /** Lifetime in seconds. */
  ttl: number;
}

/**
 * JWT access tokens per RFC 9068: `typ: at+jwt`, `iss`, `sub`, `aud`, `client_id`, `scope`, `exp`,
 * `iat`, `jti`, signed with the current asymmetric key.
 * @see RFC 9068 §2
 */
@Injectable()
export class AccessTokenService {
  constructor(
    private readonly signingKeys: SigningKeyService,
    @Inject(DEVICE_GRANT_OPTIONS) private readonly options: ResolvedDeviceGrantOptions,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async issue(claims: AccessTokenClaims): Promise<string> {
    const key = await this.signingKeys.current();
    const iat = Math.floor(this.clock.now() / 1000);
    const payload: Record<string, unknown> = { client_id: claims.clientId };
    if (claims.scope) payload.scope = claims.scope;
    return new SignJWT(payload)
      .setProtectedHeader({ alg: key.alg, typ: 'at+jwt', kid: key.kid })
      .setIssuer(this.options.issuer)
      .setSubject(claims.subject)
      .setAudience(this.options.audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + claims.ttl)
      .setJti(randomUUID())
      .sign(key.privateKey);
  }
}
