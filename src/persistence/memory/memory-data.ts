import type { AccessTokenRecord, ClientRecord, GrantRecord, RefreshTokenRecord, SignInRecord, SigningKeyRecord } from '../records.js';

/** A failure counter as the memory store keeps it. */
export interface MemoryCounter {
  windowStart: number;
  failures: number;
  lockedUntil: number;
  lockouts: number;
  updatedAt: number;
}

/** Everything the memory store holds, in maps by primary key. */
export interface MemoryData {
  grants: Map<string, GrantRecord>;
  clients: Map<string, ClientRecord>;
  refreshTokens: Map<string, RefreshTokenRecord>;
  accessTokens: Map<string, AccessTokenRecord>;
  rateLimits: Map<string, MemoryCounter>;
  signingKeys: Map<string, SigningKeyRecord>;
  secrets: Map<string, string>;
  signIns: Map<string, SignInRecord>;
}

export function emptyMemoryData(): MemoryData {
  return {
    grants: new Map(),
    clients: new Map(),
    refreshTokens: new Map(),
    accessTokens: new Map(),
    rateLimits: new Map(),
    signingKeys: new Map(),
    secrets: new Map(),
    signIns: new Map(),
  };
}

/** A record handed out or taken in: callers never hold the store's own objects. */
export const copy = <T extends object>(record: T): T => ({ ...record });

/** Revokes the refresh and access tokens that match, as the TypeORM store's UPDATEs do. */
export function revokeTokens(
  data: MemoryData,
  match: (token: { grantId: string; familyId: string | null; clientId: string }) => boolean,
  now: number,
): { refresh: number; access: number } {
  let refresh = 0;
  let access = 0;
  for (const token of data.refreshTokens.values()) {
    if (token.revokedAt === null && match(token)) {
      token.revokedAt = now;
      refresh++;
    }
  }
  for (const token of data.accessTokens.values()) {
    if (token.revokedAt === null && match(token)) {
      token.revokedAt = now;
      access++;
    }
  }
  return { refresh, access };
}
