import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { CLOCK, type Clock } from '../clock.js';
import type { ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { DEVICE_GRANT_OPTIONS } from '../device-grant.tokens.js';

/** Rows removed by one run, per kind. */
export interface PurgeReport {
  grants: number;
  refreshTokens: number;
  accessTokens: number;
  rateLimits: number;
}

/** At most this many batches per kind and run, so one run never hogs the database. */
const MAX_BATCHES = 100;

/**
 * Purges what no longer matters, in small batches on a schedule: expired or finished device grants
 * (kept while their device still holds live tokens), expired refresh and access tokens, and stale
 * brute-force counters. Every statement deletes at most `batchSize` rows picked through an index, so
 * no run holds a long lock, and several instances running it at once only share the work.
 */
@Injectable()
export class HousekeepingService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('DeviceGrantHousekeeping');
  private timer?: NodeJS.Timeout;
  private running?: Promise<PurgeReport>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(DEVICE_GRANT_OPTIONS) private readonly options: ResolvedDeviceGrantOptions,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.options.housekeeping.interval;
    if (interval <= 0) return;
    this.timer = setInterval(() => {
      this.purge().catch((error: unknown) => this.logger.warn(`housekeeping failed: ${(error as Error).message}`));
    }, interval * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One run; concurrent calls in this process share it. */
  purge(): Promise<PurgeReport> {
    this.running ??= this.purgeAll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async purgeAll(): Promise<PurgeReport> {
    const now = this.clock.now();
    const cutoff = now - this.options.housekeeping.retention * 1000;
    const limit = this.options.housekeeping.batchSize;
    const params = { now, cutoff, limit };
    const report: PurgeReport = {
      // A grant stays while its device holds a live token: the devices page lists it.
      grants: await this.inBatches(
        `DELETE FROM "dg_device_grant" WHERE "id" IN (
           SELECT g."id" FROM "dg_device_grant" g WHERE g."expires_at" < :cutoff AND (g."status" <> 'redeemed' OR (
             NOT EXISTS (SELECT 1 FROM "dg_refresh_token" r WHERE r."grant_id" = g."id" AND r."used_at" IS NULL AND r."revoked_at" IS NULL AND r."expires_at" > :now)
             AND NOT EXISTS (SELECT 1 FROM "dg_access_token" a WHERE a."grant_id" = g."id" AND a."expires_at" > :now)))
           LIMIT :limit)`,
        params,
      ),
      // An expired refresh token can be refused as expired or as unknown alike, so it goes (rotated ones too).
      refreshTokens: await this.inBatches(
        `DELETE FROM "dg_refresh_token" WHERE "id" IN (SELECT "id" FROM "dg_refresh_token" WHERE "expires_at" < :cutoff LIMIT :limit)`,
        params,
      ),
      accessTokens: await this.inBatches(
        `DELETE FROM "dg_access_token" WHERE "jti" IN (SELECT "jti" FROM "dg_access_token" WHERE "expires_at" < :cutoff LIMIT :limit)`,
        params,
      ),
      rateLimits: await this.inBatches(
        `DELETE FROM "dg_rate_limit" WHERE "key" IN (SELECT "key" FROM "dg_rate_limit" WHERE "updated_at" < :cutoff AND "locked_until" < :now LIMIT :limit)`,
        params,
      ),
    };
    if (Object.values(report).some((count) => count > 0)) this.logger.log(`purged ${JSON.stringify(report)}`);
    return report;
  }

  private async inBatches(sql: string, parameters: Record<string, unknown>): Promise<number> {
    const [query, values] = this.dataSource.driver.escapeQueryWithParameters(sql, parameters, {});
    let total = 0;
    for (let batch = 0; batch < MAX_BATCHES; batch++) {
      const runner = this.dataSource.createQueryRunner();
      try {
        const result = await runner.query(query, values, true);
        const affected = Number(result.affected ?? 0);
        total += affected;
        if (affected < Number(parameters.limit)) break;
      } finally {
        await runner.release();
      }
    }
    return total;
  }
}
