import type { AccessTokenStore, RefreshTokenStore, RefreshTokenUse } from '../device-grant-store.js';
import type { AccessTokenRecord, RefreshTokenRecord } from '../records.js';
import { copy, revokeTokens, type MemoryData } from './memory-data.js';

export class MemoryRefreshTokens implements RefreshTokenStore {
  constructor(private readonly data: MemoryData) {}

  private byHash(tokenHash: string): RefreshTokenRecord | undefined {
    for (const token of this.data.refreshTokens.values()) if (token.tokenHash === tokenHash) return token;
    return undefined;
  }

  async insert(token: RefreshTokenRecord): Promise<void> {
    if (this.data.refreshTokens.has(token.id) || this.byHash(token.tokenHash)) throw new Error('a refresh token with this id or hash exists');
    this.data.refreshTokens.set(token.id, copy(token));
  }

  async use(tokenHash: string, clientId: string, now: number, retryGraceMs = 0): Promise<RefreshTokenUse> {
    const token = this.byHash(tokenHash);
    if (!token) return { outcome: 'unknown' };
    if (token.clientId !== clientId) return { outcome: 'other_client', token: copy(token) };
    if (token.supersededAt !== null) {
      await this.revokeFamily(token.familyId, now);
      return { outcome: 'reused', token: copy(token) };
    }
    if (token.revokedAt !== null) return { outcome: 'revoked', token: copy(token) };
    if (token.usedAt !== null) {
      if (now - token.usedAt < retryGraceMs && this.supersede(token, now)) return { outcome: 'retried', token: copy(token) };
      await this.revokeFamily(token.familyId, now);
      return { outcome: 'reused', token: copy(token) };
    }
    if (token.expiresAt <= now) return { outcome: 'expired', token: copy(token) };
    token.usedAt = now;
    return { outcome: 'rotated', token: copy(token) };
  }

  /** Supersedes the unused successor of a used token and the access tokens issued with it; false when there is none. */
  private supersede(used: RefreshTokenRecord, now: number): boolean {
    const since = [...this.data.refreshTokens.values()].filter((t) => t.familyId === used.familyId && t.createdAt >= used.usedAt! && t.id !== used.id);
    const successor = since.find((t) => t.usedAt === null && t.revokedAt === null);
    if (!successor || since.some((t) => t.usedAt !== null)) return false;
    successor.revokedAt = now;
    successor.supersededAt = now;
    for (const access of this.data.accessTokens.values()) {
      if (access.familyId === used.familyId && access.revokedAt === null && access.createdAt >= used.usedAt!) access.revokedAt = now;
    }
    return true;
  }

  async release(id: string): Promise<void> {
    const token = this.data.refreshTokens.get(id);
    if (token) token.usedAt = null;
  }

  async find(tokenHash: string): Promise<RefreshTokenRecord | null> {
    const token = this.byHash(tokenHash);
    return token ? copy(token) : null;
  }

  async insertSuccessor(token: RefreshTokenRecord, predecessorId: string): Promise<boolean> {
    const predecessor = this.data.refreshTokens.get(predecessorId);
    if (!predecessor || predecessor.revokedAt !== null) {
      await this.revokeFamily(token.familyId, token.createdAt);
      return false;
    }
    await this.insert(token);
    return true;
  }

  async revokeFamily(familyId: string, now: number): Promise<void> {
    revokeTokens(this.data, (token) => token.familyId === familyId, now);
  }

  async revokeGrant(grantId: string, now: number): Promise<void> {
    revokeTokens(this.data, (token) => token.grantId === grantId, now);
  }
}

export class MemoryAccessTokens implements AccessTokenStore {
  constructor(private readonly data: MemoryData) {}

  async insert(token: AccessTokenRecord): Promise<void> {
    if (this.data.accessTokens.has(token.jti)) throw new Error('an access token with this jti exists');
    this.data.accessTokens.set(token.jti, copy(token));
  }

  async find(jti: string): Promise<AccessTokenRecord | null> {
    const token = this.data.accessTokens.get(jti);
    return token ? copy(token) : null;
  }

  async revoke(jti: string, now: number): Promise<void> {
    const token = this.data.accessTokens.get(jti);
    if (token && token.revokedAt === null) token.revokedAt = now;
  }
}
