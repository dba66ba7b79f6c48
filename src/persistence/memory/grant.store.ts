import { grownInterval, type ConnectedGrant, type GrantStore } from '../device-grant-store.js';
import type { GrantRecord, NewGrant, Poll, PolledGrant } from '../records.js';
import { copy, revokeTokens, type MemoryData } from './memory-data.js';

export class MemoryGrants implements GrantStore {
  constructor(private readonly data: MemoryData) {}

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

  async slowDown(poll: Poll, maxInterval: number): Promise<number | undefined> {
    const grant = this.pollable(poll);
    if (!grant) return undefined;
    grant.interval = grownInterval(grant.interval, maxInterval);
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
