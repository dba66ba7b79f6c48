import type { DataSource } from 'typeorm';
import type { StoreLocation, StoreMaintenance } from '../device-grant-store.js';
import type { PurgeReport } from '../records.js';

/** At most this many batches per kind and run, so one run never hogs the database. */
const MAX_BATCHES = 100;

/** A grant stays while its device holds a live token: the devices page lists it. */
const PURGE_GRANTS = `DELETE FROM "dg_device_grant" WHERE "id" IN (
  SELECT g."id" FROM "dg_device_grant" g WHERE g."expires_at" < :cutoff AND (g."status" <> 'redeemed' OR (
    NOT EXISTS (SELECT 1 FROM "dg_refresh_token" r WHERE r."grant_id" = g."id" AND r."used_at" IS NULL AND r."revoked_at" IS NULL AND r."expires_at" > :now)
    AND NOT EXISTS (SELECT 1 FROM "dg_access_token" a WHERE a."grant_id" = g."id" AND a."expires_at" > :now)))
  LIMIT :limit)`;
/** An expired refresh token can be refused as expired or as unknown alike, so it goes (rotated ones too). */
const PURGE_REFRESH_TOKENS = `DELETE FROM "dg_refresh_token" WHERE "id" IN (SELECT "id" FROM "dg_refresh_token" WHERE "expires_at" < :cutoff LIMIT :limit)`;
const PURGE_ACCESS_TOKENS = `DELETE FROM "dg_access_token" WHERE "jti" IN (SELECT "jti" FROM "dg_access_token" WHERE "expires_at" < :cutoff LIMIT :limit)`;
/** A sign-in that expired a retention ago (an ended one expires too: its cookie lives at most a day). */
const PURGE_SIGN_INS = `DELETE FROM "dg_sign_in" WHERE "id" IN (SELECT "id" FROM "dg_sign_in" WHERE "expires_at" < :cutoff LIMIT :limit)`;
const PURGE_RATE_LIMITS = `DELETE FROM "dg_rate_limit" WHERE "key" IN (SELECT "key" FROM "dg_rate_limit" WHERE "updated_at" < :cutoff AND "locked_until" < :now LIMIT :limit)`;

/**
 * Health and housekeeping on TypeORM. Every purge statement deletes at most `batchSize` rows picked
 * through an index, so no run holds a long lock, and several instances running it at once only share
 * the work.
 */
export class TypeOrmMaintenance implements StoreMaintenance {
  constructor(private readonly dataSource: DataSource) {}

  location(): StoreLocation {
    const options = this.dataSource.options;
    if (options.type !== 'sqlite') return { shared: true };
    return options.database === ':memory:' ? { shared: false } : { shared: false, file: options.database };
  }

  async ping(timeoutMs: number): Promise<boolean> {
    if (!this.dataSource.isInitialized) return false;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const query = this.dataSource.query('SELECT 1').then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([query, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async purge(input: { now: number; cutoff: number; batchSize: number }): Promise<PurgeReport> {
    const parameters = { now: input.now, cutoff: input.cutoff, limit: input.batchSize };
    return {
      grants: await this.inBatches(PURGE_GRANTS, parameters),
      refreshTokens: await this.inBatches(PURGE_REFRESH_TOKENS, parameters),
      accessTokens: await this.inBatches(PURGE_ACCESS_TOKENS, parameters),
      rateLimits: await this.inBatches(PURGE_RATE_LIMITS, parameters),
      signIns: await this.inBatches(PURGE_SIGN_INS, parameters),
    };
  }

  private async inBatches(sql: string, parameters: { now: number; cutoff: number; limit: number }): Promise<number> {
    const [query, values] = this.dataSource.driver.escapeQueryWithParameters(sql, parameters, {});
    let total = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const runner = this.dataSource.createQueryRunner();
      try {
        const result = await runner.query(query, values, true);
        const affected = Number(result.affected ?? 0);
        total += affected;
        if (affected < parameters.limit) break;
      } finally {
        await runner.release();
      }
    }
    return total;
  }
}
