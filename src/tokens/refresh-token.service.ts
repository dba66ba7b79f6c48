import { Injectable } from '@nestjs/common';
import { InjectClock, type Clock } from '../clock.js';
import { DeviceGrantEvent } from '../events/device-grant-events.js';
import { DeviceGrantEvents } from '../events/device-grant-events.service.js';
import { randomToken, sha256 } from '../crypto/secrets.js';
import { InvalidGrant, InvalidScope } from '../oauth-errors/oauth-error.js';
import { splitScope } from '../scopes/scope.js';
import { InjectDeviceGrantStore, type DeviceGrantStore } from '../persistence/device-grant-store.js';
import { newId } from '../persistence/ids.js';
import type { RefreshTokenRecord } from '../persistence/records.js';

/** A new refresh token: the value for the client, the record for the store. */
export interface NewRefreshToken {
  token: string;
  record: RefreshTokenRecord;
}

/**
 * Opaque refresh tokens kept only as SHA-256 hashes, in rotation families (the store states the
 * rotation rule: see `RefreshTokenStore.use`); this service makes them and turns the store's answers
 * into the protocol's.
 * @see RFC 9700 §4.14.2, RFC 6749 §6
 */
@Injectable()
export class RefreshTokenService {
  constructor(
    @InjectDeviceGrantStore() private readonly store: DeviceGrantStore,
    @InjectClock() private readonly clock: Clock,
    private readonly events: DeviceGrantEvents,
  ) {}

  /** A refresh token (not yet stored) starting or continuing a family. */
  create(input: { familyId?: string; grantId: string; clientId: string; subject: string; scope: string; ttl: number }): NewRefreshToken {
    const token = randomToken();
    const now = this.clock.now();
    const record: RefreshTokenRecord = {
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
      supersededAt: null,
    };
    return { token, record };
  }

  save(record: RefreshTokenRecord): Promise<void> {
    return this.store.refreshTokens.insert(record);
  }

  /**
   * Takes a refresh token for rotation. Of two concurrent uses exactly one wins and the other is a
   * replay, which revokes the family. A scope beyond the one granted is refused before the token is
   * taken, so the client may ask again.
   * @throws InvalidGrant, InvalidScope
   */
  async consume(token: string, clientId: string, requestedScope?: string[], retryGraceMs = 0): Promise<RefreshTokenRecord> {
    const tokenHash = sha256(token);
    if (requestedScope) {
      const row = await this.store.refreshTokens.find(tokenHash);
      const live = row && row.clientId === clientId && row.revokedAt === null && row.usedAt === null && row.expiresAt > this.clock.now();
      if (live && requestedScope.some((scope) => !splitScope(row.scope).includes(scope))) {
        throw new InvalidScope('the requested scope exceeds the scope granted');
      }
    }
    const use = await this.store.refreshTokens.use(tokenHash, clientId, this.clock.now(), retryGraceMs);
    switch (use.outcome) {
      case 'rotated':
        return use.token;
      case 'retried':
        this.events.emit(DeviceGrantEvent.RefreshRetried, { familyId: use.token.familyId, grantId: use.token.grantId, clientId: use.token.clientId });
        return use.token;
      case 'reused':
        this.events.emit(DeviceGrantEvent.RefreshReuseDetected, {
          familyId: use.token.familyId,
          grantId: use.token.grantId,
          clientId: use.token.clientId,
          subject: use.token.subject,
        });
        throw new InvalidGrant('the refresh token was already used; its family is revoked');
      case 'other_client':
        throw new InvalidGrant('the refresh token was issued to another client');
      case 'revoked':
        throw new InvalidGrant('the refresh token was revoked');
      case 'expired':
        throw new InvalidGrant('the refresh token expired');
      case 'unknown':
        throw new InvalidGrant('the refresh token is invalid');
    }
  }

  /** Revokes every live token of a family, and the access tokens issued with them. @see RFC 7009 §2.1 */
  revokeFamily(familyId: string): Promise<void> {
    return this.store.refreshTokens.revokeFamily(familyId, this.clock.now());
  }

  /** The record of a refresh token, whatever its state, or null. */
  find(token: string): Promise<RefreshTokenRecord | null> {
    return this.store.refreshTokens.find(sha256(token));
  }

  /**
   * Stores the token that succeeds `predecessorId`, unless a revocation reached the predecessor since
   * it was used: false then, and the store has revoked the family (see `RefreshTokenStore.insertSuccessor`).
   */
  saveSuccessor(record: RefreshTokenRecord, predecessorId: string): Promise<boolean> {
    return this.store.refreshTokens.insertSuccessor(record, predecessorId);
  }

  /** Puts back a token taken by `consume` when issuing its successor failed, so the client may retry. */
  release(record: RefreshTokenRecord): Promise<void> {
    return this.store.refreshTokens.release(record.id);
  }
}
