import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { SignJWT, createLocalJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { In, IsNull, type Repository } from 'typeorm';
import { CLOCK, type Clock } from '../clock.js';
import type { ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { DEVICE_GRANT_OPTIONS } from '../device-grant.tokens.js';
import { AccessTokenEntity } from '../persistence/entities/index.js';
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
  record: AccessTokenEntity;
}

/**
 * JWT access tokens per RFC 9068: `typ: at+jwt`, `iss`, `sub`, `aud`, `client_id`, `scope`, `exp`,
 * `iat`, `jti`, signed with the current asymmetric key. Each is recorded by `jti` (which is how
 * revocation finds and marks it); `HousekeepingService` deletes the records of expired tokens.
 * @see RFC 9068 §2, RFC 7009 §2
 */
@Injectable()
export class AccessTokenService {
  constructor(
    private readonly signingKeys: SigningKeyService,
    @InjectRepository(AccessTokenEntity) private readonly records: Repository<AccessTokenEntity>,
    @Inject(DEVICE_GRANT_OPTIONS) private readonly options: ResolvedDeviceGrantOptions,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async issue(claims: AccessTokenClaims): Promise<string> {
    const key = await this.signingKeys.current();
    const now = this.clock.now();
    const iat = Math.floor(now / 1000);
    const jti = newId();
    const payload: Record<string, unknown> = { client_id: claims.clientId };
    if (claims.scope) payload.scope = claims.scope;
    const token = await new SignJWT(payload)
      .setProtectedHeader({ alg: key.alg, typ: 'at+jwt', kid: key.kid })
      .setIssuer(this.options.issuer)
      .setSubject(claims.subject)
      .setAudience(this.options.audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + claims.ttl)
      .setJti(jti)
      .sign(key.privateKey);
    // Recorded before it is handed out, so a revocation can always find it.
    await this.records.insert({
      jti,
      grantId: claims.grantId,
      familyId: claims.familyId ?? null,
      clientId: claims.clientId,
      subject: claims.subject,
      createdAt: now,
      expiresAt: (iat + claims.ttl) * 1000,
      revokedAt: null,
    });
    return token;
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
    const record = await this.records.findOneBy({ jti: payload.jti });
    if (!record || record.revokedAt !== null || record.expiresAt <= this.clock.now()) return null;
    return { payload, record };
  }

  /** Marks one token revoked. */
  async revoke(jti: string): Promise<void> {
    await this.records.update({ jti, revokedAt: IsNull() }, { revokedAt: this.clock.now() });
  }

  /** Marks every token issued with these refresh-token families revoked. @see RFC 7009 §2.1 */
  async revokeFamilies(familyIds: string[]): Promise<void> {
    if (familyIds.length === 0) return;
    await this.records.update({ familyId: In(familyIds), revokedAt: IsNull() }, { revokedAt: this.clock.now() });
  }

  /** Marks every token of a grant revoked. */
  async revokeGrant(grantId: string): Promise<void> {
    await this.records.update({ grantId, revokedAt: IsNull() }, { revokedAt: this.clock.now() });
  }

  /** The newest issuance time of each grant's tokens still on record (ms), for "last used". */
  async lastIssuedAt(grantIds: string[]): Promise<Map<string, number>> {
    const latest = new Map<string, number>();
    if (grantIds.length === 0) return latest;
    const rows = await this.records.find({ where: { grantId: In(grantIds) }, select: { jti: true, grantId: true, createdAt: true } });
    for (const row of rows) latest.set(row.grantId, Math.max(latest.get(row.grantId) ?? 0, row.createdAt));
    return latest;
  }

  /** Grants among these with an access token that is neither expired nor revoked. */
  async grantsWithLiveTokens(grantIds: string[]): Promise<Set<string>> {
    if (grantIds.length === 0) return new Set();
    const now = this.clock.now();
    const rows = await this.records.find({ where: { grantId: In(grantIds), revokedAt: IsNull() }, select: { grantId: true, expiresAt: true } });
    return new Set(rows.filter((row) => row.expiresAt > now).map((row) => row.grantId));
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
