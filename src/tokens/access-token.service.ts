import { Injectable } from '@nestjs/common';
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { signEs256 } from './compact-jws.js';
import { InjectClock, type Clock } from '../clock.js';
import type { ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { InjectDeviceGrantOptions } from '../device-grant.module-definition.js';
import { InjectDeviceGrantStore, type DeviceGrantStore } from '../persistence/device-grant-store.js';
import type { AccessTokenRecord } from '../persistence/records.js';
import { newId } from '../persistence/ids.js';
import { SIGNING_ALG, SigningKeyService } from './signing-key.service.js';

/** What an access token says. */
export interface AccessTokenClaims {
  subject: string;
  clientId: string;
  scope: string;
  /** Lifetime in seconds. */
  ttl: number;
  /** The device grant the token comes from (recorded, so a disconnect can revoke it). */
  grantId: string;
  /** The refresh-token family issued with it, if any (recorded, so revoking the family revokes it). */
  familyId?: string;
}

/** The claims of one of our access tokens that passed every check, and its record. */
export interface VerifiedAccessToken {
  payload: JWTPayload & { client_id: string; scope?: string; sub: string; jti: string; exp: number; iat: number };
  record: AccessTokenRecord;
}

/**
 * JWT access tokens per RFC 9068: `typ: at+jwt`, `iss`, `sub`, `aud`, `client_id`, `scope`, `exp`,
 * `iat`, `jti`, signed with the current asymmetric key. Each is recorded by `jti` (which is how
 * revocation finds and marks it); housekeeping deletes the records of expired tokens.
 * @see RFC 9068 §2, RFC 7009 §2
 */
@Injectable()
export class AccessTokenService {
  constructor(
    private readonly signingKeys: SigningKeyService,
    @InjectDeviceGrantStore() private readonly store: DeviceGrantStore,
    @InjectDeviceGrantOptions() private readonly options: ResolvedDeviceGrantOptions,
    @InjectClock() private readonly clock: Clock,
  ) {}

  /** Signs and records an access token; the token and its `jti`. */
  async issue(claims: AccessTokenClaims): Promise<{ token: string; jti: string }> {
    const key = await this.signingKeys.current();
    const now = this.clock.now();
    const iat = Math.floor(now / 1000);
    const jti = newId();
    const payload: Record<string, unknown> = {
      iss: this.options.issuer,
      sub: claims.subject,
      aud: this.options.audience,
      client_id: claims.clientId,
      iat,
      exp: iat + claims.ttl,
      jti,
    };
    if (claims.scope) payload.scope = claims.scope;
    const token = signEs256({ typ: 'at+jwt', kid: key.kid }, payload, key.privateKey);
    // Recorded before it is handed out, so a revocation can always find it.
    await this.store.accessTokens.insert({
      jti,
      grantId: claims.grantId,
      familyId: claims.familyId ?? null,
      clientId: claims.clientId,
      subject: claims.subject,
      createdAt: now,
      expiresAt: (iat + claims.ttl) * 1000,
      revokedAt: null,
    });
    return { token, jti };
  }

  /**
   * The token if it is one of ours and active: signature by a published key, `typ`, `iss`, `aud`,
   * `exp`, and a record that is not revoked. Null otherwise (never an error: callers answer
   * "inactive" or do nothing).
   * @see RFC 7662 §4, RFC 9068 §4
   */
  async verify(token: string): Promise<VerifiedAccessToken | null> {
    const payload = await this.verifySignature(token);
    if (!payload) return null;
    const record = await this.store.accessTokens.find(payload.jti);
    if (!record || record.revokedAt !== null || record.expiresAt <= this.clock.now()) return null;
    return { payload, record };
  }

  /** Marks one token revoked. */
  async revoke(jti: string): Promise<void> {
    await this.store.accessTokens.revoke(jti, this.clock.now());
  }

  private async verifySignature(token: string): Promise<VerifyResult | null> {
    if (token.length > 4096 || token.split('.').length !== 3) return null;
    try {
      return await this.jwtVerify(token);
    } catch (error) {
      // A key this instance has not loaded yet (rotated on another instance): read the keys once more.
      if (!(error instanceof joseErrors.JWKSNoMatchingKey)) return null;
      await this.signingKeys.refresh();
      try {
        return await this.jwtVerify(token);
      } catch {
        return null;
      }
    }
  }

  private async jwtVerify(token: string): Promise<VerifyResult | null> {
    const { payload } = await jwtVerify(token, createLocalJWKSet(await this.signingKeys.jwks()), {
      typ: 'at+jwt',
      issuer: this.options.issuer,
      audience: this.options.audience,
      algorithms: [SIGNING_ALG],
      currentDate: new Date(this.clock.now()),
      requiredClaims: ['sub', 'exp', 'iat', 'jti', 'client_id'],
    });
    if (typeof payload.client_id !== 'string' || (payload.scope !== undefined && typeof payload.scope !== 'string')) return null;
    return payload as VerifyResult;
  }
}

type VerifyResult = VerifiedAccessToken['payload'];
