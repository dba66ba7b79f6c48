import { SLOW_DOWN_INCREMENT } from '../../constants.js';
import type {
  AccessTokenStore,
  ClientStore,
  ConnectedGrant,
  DeletedClientCounts,
  DeviceGrantStore,
  GrantStore,
  RateLimitStore,
  RefreshTokenStore,
  RefreshTokenUse,
  ServerSecretStore,
  SigningKeyStore,
  StoreMaintenance,
} from '../device-grant-store.js';
import type {
  AccessTokenRecord,
  ClientRecord,
  FailureCount,
  GrantRecord,
  NewGrant,
  Poll,
  PolledGrant,
  PurgeReport,
  RefreshTokenRecord,
  SigningKeyRecord,
} from '../records.js';

/**
 * The store contract in process memory, for unit specs: every rule as the TypeORM store keeps it, on
 * plain maps, answered synchronously behind promises. Nothing survives the process and nothing is
 * shared between instances, so it is not offered to applications.
 */
export class MemoryDeviceGrantStore implements DeviceGrantStore {
  readonly data = {
    grants: new Map<string, GrantRecord>(),
    clients: new Map<string, ClientRecord>(),
    refreshTokens: new Map<string, RefreshTokenRecord>(),
    accessTokens: new Map<string, AccessTokenRecord>(),
    rateLimits: new Map<string, { windowStart: number; failures: number; lockedUntil: number; lockouts: number; updatedAt: number }>(),
    signingKeys: new Map<string, SigningKeyRecord>(),
    secrets: new Map<string, string>(),
  };

  readonly grants: GrantStore = new MemoryGrants(this.data);
  readonly clients: ClientStore = new MemoryClients(this.data);
  readonly refreshTokens: RefreshTokenStore = new MemoryRefreshTokens(this.data);
  readonly accessTokens: AccessTokenStore = new MemoryAccessTokens(this.data);
  readonly rateLimits: RateLimitStore = new MemoryRateLimits(this.data);
  readonly signingKeys: SigningKeyStore = new MemorySigningKeys(this.data);
  readonly secrets: ServerSecretStore = new MemorySecrets(this.data);
  readonly maintenance: StoreMaintenance = new MemoryMaintenance(this.data);
}

type Data = MemoryDeviceGrantStore['data'];

const copy = <T extends object>(record: T): T => ({ ...record });

/** Revokes the refresh and access tokens that match, as the TypeORM store's UPDATEs do. */
function revokeTokens(data: Data, match: (token: { grantId: string; familyId: string | null; clientId: string }) => boolean, now: number): { refresh: number; access: number } {
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

class MemoryGrants implements GrantStore {
  constructor(private readonly data: Data) {}

  private byDeviceCode(deviceCodeHash: string): GrantRecord | undefined {
    for (const grant of this.data.grants.values()) if (grant.deviceCodeHash === deviceCodeHash) return grant;
    return undefined;
  }

  private byUserCode(userCode: string): GrantRecord | undefined {
    for (const grant of this.data.grants.values()) if (grant.userCode === userCode) return grant;
    return undefined;
  }

  /** Pending, this client's, not disconnected, not expired at the poll. */
  private pollable(poll: Poll): GrantRecord | undefined {
    const grant = this.byDeviceCode(poll.deviceCodeHash);
    return grant && grant.clientId === poll.clientId && grant.status === 'pending' && grant.revokedAt === null && grant.expiresAt > poll.at
      ? grant
      : undefined;
  }

  async issue(grant: NewGrant): Promise<boolean> {
    if (this.data.grants.has(grant.id) || this.byDeviceCode(grant.deviceCodeHash) || this.byUserCode(grant.userCode)) return false;
    this.data.grants.set(grant.id, {
      ...grant,
      status: 'pending',
      subject: null,
      lastPolledAt: null,
      decidedAt: null,
      redeemedAt: null,
      revokedAt: null,
    });
    return true;
  }

  async stampOnTimePoll(poll: Poll): Promise<boolean> {
    const grant = this.pollable(poll);
    if (!grant || (grant.lastPolledAt !== null && grant.lastPolledAt + grant.interval * 1000 > poll.at)) return false;
    grant.lastPolledAt = poll.at;
    return true;
  }

  async slowDown(poll: Poll): Promise<number | undefined> {
    const grant = this.pollable(poll);
    if (!grant) return undefined;
    grant.interval += SLOW_DOWN_INCREMENT;
    grant.lastPolledAt = poll.at;
    return grant.interval;
  }

  async findByDeviceCode(deviceCodeHash: string): Promise<PolledGrant | null> {
    const grant = this.byDeviceCode(deviceCodeHash);
    return grant ? copy(grant) : null;
  }

  async findPendingByUserCode(userCode: string, now: number): Promise<GrantRecord | null> {
    const grant = this.byUserCode(userCode);
    return grant && grant.status === 'pending' && grant.expiresAt > now ? copy(grant) : null;
  }

  async decide(userCode: string, decision: { status: 'approved'; subject: string } | { status: 'denied' }, now: number): Promise<GrantRecord | null> {
    const grant = this.byUserCode(userCode);
    if (!grant || grant.status !== 'pending' || grant.expiresAt <= now) return null;
    Object.assign(grant, decision, { decidedAt: now });
    return copy(grant);
  }

  async redeem(grantId: string, now: number): Promise<boolean> {
    const grant = this.data.grants.get(grantId);
    if (!grant || grant.status !== 'approved' || grant.revokedAt !== null) return false;
    grant.status = 'redeemed';
    grant.redeemedAt = now;
    return true;
  }

  async unredeem(grantId: string): Promise<void> {
    const grant = this.data.grants.get(grantId);
    if (grant?.status === 'redeemed') {
      grant.status = 'approved';
      grant.redeemedAt = null;
    }
  }

  async isDisconnected(grantId: string): Promise<boolean> {
    const grant = this.data.grants.get(grantId);
    return !grant || grant.revokedAt !== null;
  }

  async disconnect(subject: string, grantId: string, now: number): Promise<GrantRecord | null> {
    const grant = this.data.grants.get(grantId);
    if (!grant || grant.subject !== subject || (grant.status !== 'approved' && grant.status !== 'redeemed') || grant.revokedAt !== null) return null;
    grant.revokedAt = now;
    revokeTokens(this.data, (token) => token.grantId === grantId, now);
    return copy(grant);
  }

  async listConnected(subject: string, now: number): Promise<ConnectedGrant[]> {
    const connected: ConnectedGrant[] = [];
    for (const grant of this.data.grants.values()) {
      if (grant.subject !== subject || (grant.status !== 'approved' && grant.status !== 'redeemed') || grant.revokedAt !== null) continue;
      const refresh = [...this.data.refreshTokens.values()].filter(
        (token) => token.grantId === grant.id && token.usedAt === null && token.revokedAt === null && token.expiresAt > now,
      );
      const access = [...this.data.accessTokens.values()].filter((token) => token.grantId === grant.id);
      const liveAccess = access.some((token) => token.revokedAt === null && token.expiresAt > now);
      const live = grant.status === 'approved' ? grant.expiresAt > now : refresh.length > 0 || liveAccess;
      if (!live) continue;
      const used = [grant.redeemedAt, ...refresh.map((token) => token.createdAt), ...access.map((token) => token.createdAt)].filter(
        (time): time is number => typeof time === 'number',
      );
      connected.push({
        grant: copy(grant),
        clientName: this.data.clients.get(grant.clientId)?.name ?? grant.clientId,
        lastUsedAt: used.length ? Math.max(...used) : null,
      });
    }
    return connected;
  }
}

class MemoryClients implements ClientStore {
  constructor(private readonly data: Data) {}

  async find(clientId: string): Promise<ClientRecord | null> {
    const client = this.data.clients.get(clientId);
    return client ? copy(client) : null;
  }

  async list(): Promise<ClientRecord[]> {
    return [...this.data.clients.values()].sort((a, b) => a.createdAt - b.createdAt || a.clientId.localeCompare(b.clientId)).map(copy);
  }

  async insert(client: ClientRecord): Promise<boolean> {
    if (this.data.clients.has(client.clientId)) return false;
    this.data.clients.set(client.clientId, copy(client));
    return true;
  }

  async save(client: ClientRecord): Promise<void> {
    this.data.clients.set(client.clientId, copy(client));
  }

  async update(clientId: string, changes: Partial<Omit<ClientRecord, 'clientId' | 'createdAt'>>): Promise<void> {
    const client = this.data.clients.get(clientId);
    if (client) Object.assign(client, changes);
  }

  async disable(clientId: string, now: number): Promise<void> {
    const client = this.data.clients.get(clientId);
    if (client) client.disabled = true;
    for (const token of this.data.accessTokens.values()) if (token.clientId === clientId && token.revokedAt === null) token.revokedAt = now;
  }

  async delete(clientId: string, now: number): Promise<DeletedClientCounts> {
    let pendingGrants = 0;
    let revokedGrants = 0;
    for (const [id, grant] of this.data.grants) {
      if (grant.clientId !== clientId) continue;
      if (grant.status === 'pending') {
        this.data.grants.delete(id);
        pendingGrants++;
      } else if (grant.revokedAt === null) {
        grant.revokedAt = now;
        revokedGrants++;
      }
    }
    const revoked = revokeTokens(this.data, (token) => token.clientId === clientId, now);
    this.data.clients.delete(clientId);
    return { pendingGrants, revokedGrants, refreshTokens: revoked.refresh, accessTokens: revoked.access };
  }
}

class MemoryRefreshTokens implements RefreshTokenStore {
  constructor(private readonly data: Data) {}

  private byHash(tokenHash: string): RefreshTokenRecord | undefined {
    for (const token of this.data.refreshTokens.values()) if (token.tokenHash === tokenHash) return token;
    return undefined;
  }

  async insert(token: RefreshTokenRecord): Promise<void> {
    if (this.data.refreshTokens.has(token.id) || this.byHash(token.tokenHash)) throw new Error('a refresh token with this id or hash exists');
    this.data.refreshTokens.set(token.id, copy(token));
  }

  async use(tokenHash: string, clientId: string, now: number): Promise<RefreshTokenUse> {
    const token = this.byHash(tokenHash);
    if (!token) return { outcome: 'unknown' };
    if (token.clientId !== clientId) return { outcome: 'other_client', token: copy(token) };
    if (token.revokedAt !== null) return { outcome: 'revoked', token: copy(token) };
    if (token.usedAt !== null) {
      await this.revokeFamily(token.familyId, now);
      return { outcome: 'reused', token: copy(token) };
    }
    if (token.expiresAt <= now) return { outcome: 'expired', token: copy(token) };
    token.usedAt = now;
    return { outcome: 'rotated', token: copy(token) };
  }

  async release(id: string): Promise<void> {
    const token = this.data.refreshTokens.get(id);
    if (token) token.usedAt = null;
  }

  async find(tokenHash: string): Promise<RefreshTokenRecord | null> {
    const token = this.byHash(tokenHash);
    return token ? copy(token) : null;
  }

  async isRevoked(id: string): Promise<boolean> {
    const token = this.data.refreshTokens.get(id);
    return !token || token.revokedAt !== null;
  }

  async revokeFamily(familyId: string, now: number): Promise<void> {
    revokeTokens(this.data, (token) => token.familyId === familyId, now);
  }

  async revokeGrant(grantId: string, now: number): Promise<void> {
    revokeTokens(this.data, (token) => token.grantId === grantId, now);
  }
}

class MemoryAccessTokens implements AccessTokenStore {
  constructor(private readonly data: Data) {}

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

class MemoryRateLimits implements RateLimitStore {
  constructor(private readonly data: Data) {}

  async lockedUntil(keys: readonly string[]): Promise<number> {
    return Math.max(0, ...keys.map((key) => this.data.rateLimits.get(key)?.lockedUntil ?? 0));
  }

  async countFailure(key: string, now: number, windowStart: number): Promise<FailureCount> {
    const counter = this.data.rateLimits.get(key);
    if (!counter) {
      this.data.rateLimits.set(key, { windowStart: now, failures: 1, lockedUntil: 0, lockouts: 0, updatedAt: now });
      return { failures: 1, lockouts: 0 };
    }
    if (counter.windowStart <= windowStart) {
      counter.failures = 1;
      counter.windowStart = now;
    } else {
      counter.failures++;
    }
    counter.updatedAt = now;
    return { failures: counter.failures, lockouts: counter.lockouts };
  }

  async lock(key: string, now: number, until: number, maxFailures: number): Promise<boolean> {
    const counter = this.data.rateLimits.get(key);
    if (!counter || counter.failures < maxFailures) return false;
    Object.assign(counter, { lockedUntil: until, lockouts: counter.lockouts + 1, failures: 0, windowStart: now, updatedAt: now });
    return true;
  }
}

class MemorySigningKeys implements SigningKeyStore {
  constructor(private readonly data: Data) {}

  async list(): Promise<SigningKeyRecord[]> {
    return [...this.data.signingKeys.values()].sort((a, b) => b.createdAt - a.createdAt || b.kid.localeCompare(a.kid)).map(copy);
  }

  async insert(key: SigningKeyRecord): Promise<void> {
    if (this.data.signingKeys.has(key.kid)) throw new Error('a signing key with this kid exists');
    this.data.signingKeys.set(key.kid, copy(key));
  }

  async rotate(now: number): Promise<void> {
    for (const key of this.data.signingKeys.values()) if (key.rotatedAt === null) key.rotatedAt = now;
  }

  async delete(kids: readonly string[]): Promise<void> {
    for (const kid of kids) if (this.data.signingKeys.get(kid)?.rotatedAt !== null) this.data.signingKeys.delete(kid);
  }
}

class MemorySecrets implements ServerSecretStore {
  constructor(private readonly data: Data) {}

  async get(name: string): Promise<string | null> {
    return this.data.secrets.get(name) ?? null;
  }

  async insertIfAbsent(name: string, value: string): Promise<string> {
    if (!this.data.secrets.has(name)) this.data.secrets.set(name, value);
    return this.data.secrets.get(name)!;
  }
}

class MemoryMaintenance implements StoreMaintenance {
  constructor(private readonly data: Data) {}

  async ping(): Promise<boolean> {
    return true;
  }

  async purge({ now, cutoff }: { now: number; cutoff: number; batchSize: number }): Promise<PurgeReport> {
    const report: PurgeReport = { grants: 0, refreshTokens: 0, accessTokens: 0, rateLimits: 0 };
    for (const [id, grant] of this.data.grants) {
      if (grant.expiresAt >= cutoff) continue;
      const holdsLiveToken =
        [...this.data.refreshTokens.values()].some((t) => t.grantId === id && t.usedAt === null && t.revokedAt === null && t.expiresAt > now) ||
        [...this.data.accessTokens.values()].some((t) => t.grantId === id && t.expiresAt > now);
      if (grant.status !== 'redeemed' || !holdsLiveToken) {
        this.data.grants.delete(id);
        report.grants++;
      }
    }
    for (const [id, token] of this.data.refreshTokens) if (token.expiresAt < cutoff && this.data.refreshTokens.delete(id)) report.refreshTokens++;
    for (const [jti, token] of this.data.accessTokens) if (token.expiresAt < cutoff && this.data.accessTokens.delete(jti)) report.accessTokens++;
    for (const [key, counter] of this.data.rateLimits) {
      if (counter.updatedAt < cutoff && counter.lockedUntil < now && this.data.rateLimits.delete(key)) report.rateLimits++;
    }
    return report;
  }
}
