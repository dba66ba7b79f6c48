import type { StoreLocation, StoreMaintenance } from '../device-grant-store.js';
import type { PurgeReport } from '../records.js';
import type { MemoryData } from './memory-data.js';

export class MemoryMaintenance implements StoreMaintenance {
  constructor(private readonly data: MemoryData) {}

  location(): StoreLocation {
    return { shared: false };
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async purge({ now, cutoff }: { now: number; cutoff: number; batchSize: number }): Promise<PurgeReport> {
    const report: PurgeReport = { grants: 0, refreshTokens: 0, accessTokens: 0, rateLimits: 0, signIns: 0 };
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
    for (const [id, signIn] of this.data.signIns) if (signIn.expiresAt < cutoff && this.data.signIns.delete(id)) report.signIns++;
    return report;
  }
}
