import type { RateLimitStore } from '../device-grant-store.js';
import type { FailureCount } from '../records.js';
import type { SqlRunner } from './sql-runner.js';

const LOCKED_UNTIL = `SELECT MAX("locked_until") AS "until" FROM "dg_rate_limit" WHERE "key" IN (SELECT "value" FROM json_each($1))`;
const LOCKED_UNTIL_POSTGRES = `SELECT MAX("locked_until") AS "until" FROM "dg_rate_limit" WHERE "key" = ANY($1::varchar[])`;

/** One atomic upsert: concurrent failures on several instances all count. */
const COUNT_FAILURE =
  `INSERT INTO "dg_rate_limit" ("key", "window_start", "failures", "locked_until", "lockouts", "updated_at") VALUES ($1, $2, 1, 0, 0, $2)` +
  ` ON CONFLICT ("key") DO UPDATE SET` +
  ` "failures" = CASE WHEN "dg_rate_limit"."window_start" <= $3 THEN 1 ELSE "dg_rate_limit"."failures" + 1 END,` +
  ` "window_start" = CASE WHEN "dg_rate_limit"."window_start" <= $3 THEN $2 ELSE "dg_rate_limit"."window_start" END,` +
  ` "updated_at" = $2` +
  ` RETURNING "failures", "lockouts"`;

/** Conditional on the count, so of two instances seeing the limit only one extends the lock. */
const LOCK =
  `UPDATE "dg_rate_limit" SET "locked_until" = $3, "lockouts" = "lockouts" + 1, "failures" = 0, "window_start" = $2, "updated_at" = $2` +
  ` WHERE "key" = $1 AND "failures" >= $4 RETURNING "key"`;

/** Failure counters on fixed SQL. */
export class TypeOrmRateLimitStore implements RateLimitStore {
  constructor(private readonly runner: SqlRunner) {}

  async lockedUntil(keys: readonly string[]): Promise<number> {
    if (keys.length === 0) return 0;
    const parameter = this.runner.dialect === 'sqlite' ? JSON.stringify(keys) : keys;
    const [row] = await this.runner.rows(this.runner.dialect === 'sqlite' ? LOCKED_UNTIL : LOCKED_UNTIL_POSTGRES, [parameter]);
    return Number(row?.until ?? 0);
  }

  async countFailure(key: string, now: number, windowStart: number): Promise<FailureCount> {
    const [row] = await this.runner.rows(COUNT_FAILURE, [key, now, windowStart]);
    return { failures: Number(row.failures), lockouts: Number(row.lockouts) };
  }

  async lock(key: string, now: number, until: number, maxFailures: number): Promise<boolean> {
    return (await this.runner.rows(LOCK, [key, now, until, maxFailures])).length === 1;
  }
}
