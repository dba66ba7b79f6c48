import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, type Repository } from 'typeorm';
import { CLOCK, type Clock } from '../clock.js';
import { DeviceGrantEvent } from '../events/device-grant-events.js';
import { DeviceGrantEvents } from '../events/device-grant-events.service.js';
import { randomToken, sha256 } from '../crypto/secrets.js';
import { InvalidGrant, InvalidScope } from '../oauth-errors/oauth-error.js';
import { splitScope } from '../scopes/scope.js';
import { RefreshTokenEntity } from '../persistence/entities/index.js';
import { newId } from '../persistence/ids.js';
import { AccessTokenService } from './access-token.service.js';

/** A new refresh token: the value for the client, the row for the database. */
export interface NewRefreshToken {
  token: string;
  row: RefreshTokenEntity;
}

/** Why a refresh token was refused; the caller answers `invalid_grant` for all of them. */
export type RefreshRefusal = 'unknown' | 'other_client' | 'expired' | 'revoked' | 'reused';

/**
 * Opaque refresh tokens kept only as SHA-256 hashes, in rotation families: each use marks the token
 * used and issues the next; a second use of a used token revokes the whole family.
 * @see RFC 9700 §4.14.2, RFC 6749 §6
 */
@Injectable()
export class RefreshTokenService {
  constructor(
    @InjectRepository(RefreshTokenEntity) private readonly tokens: Repository<RefreshTokenEntity>,
    private readonly accessTokens: AccessTokenService,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly events: DeviceGrantEvents,
  ) {}

  /** A refresh token row (not yet saved) starting or continuing a family. */
  create(input: { familyId?: string; grantId: string; clientId: string; subject: string; scope: string; ttl: number }): NewRefreshToken {
    const token = randomToken();
    const now = this.clock.now();
    const row = this.tokens.create({
      id: newId(),
      tokenHash: sha256(token),
      familyId: input.familyId ?? newId(),
      grantId: input.grantId,
      clientId: input.clientId,
      subject: input.subject,
      scope: input.scope,
      createdAt: now,
      expiresAt: now + input.ttl * 1000,
      usedAt: null,
      revokedAt: null,
    });
    return { token, row };
  }

  async save(row: RefreshTokenEntity): Promise<void> {
    await this.tokens.insert(row);
  }

  /**
   * Takes a refresh token for rotation: checks it, then marks it used with a conditional update, so of
   * two concurrent uses exactly one wins and the other is treated as a replay.
   */
  async consume(token: string, clientId: string, requestedScope?: string[]): Promise<RefreshTokenEntity> {
    const row = await this.find(token);
    const now = this.clock.now();
    if (!row) throw new InvalidGrant('the refresh token is invalid');
    if (row.clientId !== clientId) throw new InvalidGrant('the refresh token was issued to another client');
    if (row.revokedAt !== null) throw new InvalidGrant('the refresh token was revoked');
    if (row.usedAt !== null) {
      await this.revokeFamily(row.familyId);
      this.reuseDetected(row);
      throw new InvalidGrant('the refresh token was already used; its family is revoked');
    }
    if (row.expiresAt <= now) throw new InvalidGrant('the refresh token expired');
    if (requestedScope && requestedScope.some((scope) => !splitScope(row.scope).includes(scope))) {
      throw new InvalidScope('the requested scope exceeds the scope granted');
    }
    const taken = await this.tokens.update({ id: row.id, usedAt: IsNull(), revokedAt: IsNull() }, { usedAt: now });
    if (taken.affected !== 1) {
      await this.revokeFamily(row.familyId);
      this.reuseDetected(row);
      throw new InvalidGrant('the refresh token was already used; its family is revoked');
    }
    return row;
  }

  private reuseDetected(row: RefreshTokenEntity): void {
    this.events.emit(DeviceGrantEvent.RefreshReuseDetected, {
      familyId: row.familyId,
      grantId: row.grantId,
      clientId: row.clientId,
      subject: row.subject,
    });
  }

  /** Revokes every live token of a family, and the access tokens issued with them. @see RFC 7009 §2.1 */
  async revokeFamily(familyId: string): Promise<void> {
    await this.tokens.update({ familyId, revokedAt: IsNull() }, { revokedAt: this.clock.now() });
    await this.accessTokens.revokeFamilies([familyId]);
  }

  /** Revokes every refresh-token family of a grant and every access token of the grant. */
  async revokeGrant(grantId: string): Promise<void> {
    await this.tokens.update({ grantId, revokedAt: IsNull() }, { revokedAt: this.clock.now() });
    await this.accessTokens.revokeGrant(grantId);
  }

  /** The row of a refresh token, whatever its state, or null. */
  find(token: string): Promise<RefreshTokenEntity | null> {
    return this.tokens.findOneBy({ tokenHash: sha256(token) });
  }

  /** Whether the token (by row id) has been revoked since it was read: a revocation raced with its use. */
  async wasRevoked(id: string): Promise<boolean> {
    const row = await this.tokens.findOne({ where: { id }, select: { id: true, revokedAt: true } });
    return !row || row.revokedAt !== null;
  }

  /** The rows of these grants' families that can still be used (neither rotated, revoked nor expired). */
  async liveTokens(grantIds: string[]): Promise<RefreshTokenEntity[]> {
    if (grantIds.length === 0) return [];
    const rows = await this.tokens.find({ where: { grantId: In(grantIds), usedAt: IsNull(), revokedAt: IsNull() } });
    const now = this.clock.now();
    return rows.filter((row) => row.expiresAt > now);
  }

  /** Puts back a token taken by `consume` when issuing its successor failed, so the client may retry. */
  async release(row: RefreshTokenEntity): Promise<void> {
    await this.tokens.update({ id: row.id }, { usedAt: null });
  }
}
