import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, type DataSource } from 'typeorm';
import { CLOCK, type Clock } from '../clock.js';
import { DeviceGrantEvent } from '../events/device-grant-events.js';
import { DeviceGrantEvents } from '../events/device-grant-events.service.js';
import type { ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { DEVICE_GRANT_OPTIONS } from '../device-grant.tokens.js';
import { RateLimitEntity } from '../persistence/entities/index.js';
import { DeviceGrantMetrics } from '../observability/device-grant-metrics.service.js';
import { DEFAULT_ACTIVATION_OPTIONS } from './activation.options.js';

const MAX_LOCKOUT_MS = 24 * 3600 * 1000;

/**
 * Failure counters with a growing lockout, in the database (so they hold across restarts and
 * instances): after `maxFailures` failures inside `failureWindow`, a key is locked for `lockout`
 * seconds, doubling with every further lockout, up to a day.
 * @see RFC 8628 §5.1, RFC 6749 §10.10
 */
@Injectable()
export class RateLimitService {
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly lockoutMs: number;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(DEVICE_GRANT_OPTIONS) options: ResolvedDeviceGrantOptions,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly metrics: DeviceGrantMetrics,
    private readonly events: DeviceGrantEvents,
  ) {
    const activation = { ...DEFAULT_ACTIVATION_OPTIONS, ...options.activation };
    this.maxFailures = activation.maxFailures;
    this.windowMs = activation.failureWindow * 1000;
    this.lockoutMs = activation.lockout * 1000;
  }

  /** Milliseconds until the longest lockout among these keys ends; 0 when none is locked. */
  async lockedFor(keys: string[]): Promise<number> {
    const now = this.clock.now();
    const rows = await this.dataSource.getRepository(RateLimitEntity).findBy({ key: In(keys) });
    return Math.max(0, ...rows.map((row) => row.lockedUntil - now));
  }

  /** Counts one failure against each key; locks a key that reached the limit. */
  async fail(keys: string[], maxFailures = this.maxFailures): Promise<void> {
    const now = this.clock.now();
    for (const key of keys) {
      // One atomic upsert per key: concurrent failures on several instances all count.
      await this.run(
        `INSERT INTO "dg_rate_limit" ("key", "window_start", "failures", "locked_until", "lockouts", "updated_at")
         VALUES (:key, :now, 1, 0, 0, :now)
         ON CONFLICT ("key") DO UPDATE SET
           "failures" = CASE WHEN "dg_rate_limit"."window_start" <= :windowStart THEN 1 ELSE "dg_rate_limit"."failures" + 1 END,
           "window_start" = CASE WHEN "dg_rate_limit"."window_start" <= :windowStart THEN :now ELSE "dg_rate_limit"."window_start" END,
           "updated_at" = :now`,
        { key, now, windowStart: now - this.windowMs },
      );
      const row = await this.dataSource.getRepository(RateLimitEntity).findOneBy({ key });
      if (row && row.failures >= maxFailures) {
        const duration = Math.min(this.lockoutMs * 2 ** Math.min(row.lockouts, 20), MAX_LOCKOUT_MS);
        // Conditional on the count, so of two instances seeing the limit only one extends the lock.
        await this.run(
          `UPDATE "dg_rate_limit" SET "locked_until" = :until, "lockouts" = "lockouts" + 1, "failures" = 0, "window_start" = :now, "updated_at" = :now
           WHERE "key" = :key AND "failures" >= :max`,
          { key, now, until: now + duration, max: maxFailures },
        );
        this.metrics.lockout(key.split(':')[0]);
        const [purpose, scope] = key.split(':');
        // Session keys are hashes of the session id: not worth exposing, so only IP lockouts name theirs.
        this.events.emit(DeviceGrantEvent.Lockout, {
          scope: `${purpose}:${scope}`,
          ip: scope === 'ip' ? key.slice(`${purpose}:ip:`.length) : undefined,
          until: now + duration,
        });
      }
    }
  }

  private async run(sql: string, parameters: Record<string, unknown>): Promise<void> {
    const [query, values] = this.dataSource.driver.escapeQueryWithParameters(sql, parameters, {});
    await this.dataSource.query(query, values);
  }
}
