import { WRITE_DURABILITY, type RateLimitStore } from '../device-grant-store.js';
import type { AttemptCount } from '../records.js';
import type { SqlRow, SqlRunner } from './sql-runner.js';

const COUNTED =
  ` ON CONFLICT ("key") DO UPDATE SET` +
  ` "failures" = CASE WHEN "dg_rate_limit"."locked_until" > $2 THEN "dg_rate_limit"."failures"` +
  ` WHEN "dg_rate_limit"."window_start" <= $3 THEN 1 ELSE "dg_rate_limit"."failures" + 1 END,` +
  ` "window_start" = CASE WHEN "dg_rate_limit"."locked_until" > $2 THEN "dg_rate_limit"."window_start"` +
  ` WHEN "dg_rate_limit"."window_start" <= $3 THEN $2 ELSE "dg_rate_limit"."window_start" END,` +
  ` "updated_at" = $2` +
  ` RETURNING "failures", "lockouts", "locked_until", "window_start"`;

/** One atomic upsert: concurrent attempts on several instances are all counted, each seeing its own count. */
const ATTEMPT =
  `INSERT INTO "dg_rate_limit" ("key", "window_start", "failures", "locked_until", "lockouts", "updated_at") VALUES ($1, $2, 1, 0, 0, $2)` + COUNTED;

/**
 * The same upsert for a request rate. PostgreSQL: a cheap write (`WRITE_DURABILITY`), committed
 * without waiting for the WAL flush (the SELECT form, with `WHERE true` so that ON CONFLICT is not
 * read as a join's ON).
 */
const COUNT = {
  sqlite: ATTEMPT,
  postgres:
    `INSERT INTO "dg_rate_limit" ("key", "window_start", "failures", "locked_until", "lockouts", "updated_at")` +
    ` SELECT $1, $2, 1, 0, 0, $2` +
    (WRITE_DURABILITY['rateLimits.count'] === 'cheap' ? ` FROM (SELECT set_config('synchronous_commit', 'off', true)) AS "async_commit"` : '') +
    ` WHERE true` +
    COUNTED,
};

const REFUND = `UPDATE "dg_rate_limit" SET "failures" = "failures" - 1 WHERE "key" = $1 AND "failures" > 0`;

/** Conditional on the count, so of several callers seeing the budget spent only one locks. */
const LOCK =
  `UPDATE "dg_rate_limit" SET "locked_until" = $3, "lockouts" = "lockouts" + 1, "failures" = 0, "window_start" = $2, "updated_at" = $2` +
  ` WHERE "key" = $1 AND "failures" >= $4 AND "locked_until" <= $2 RETURNING "key"`;

/** Guess budgets and request rates on fixed SQL. (The column `failures` holds the attempts counted in the window.) */
export class TypeOrmRateLimitStore implements RateLimitStore {
  constructor(private readonly runner: SqlRunner) {}

  async attempt(key: string, now: number, windowStart: number): Promise<AttemptCount> {
    const [row] = await this.runner.rows(ATTEMPT, [key, now, windowStart]);
    return toCount(row);
  }

  async count(key: string, now: number, windowStart: number): Promise<AttemptCount> {
    const [row] = await this.runner.rows(COUNT[this.runner.dialect], [key, now, windowStart]);
    return toCount(row);
  }

  async refund(key: string): Promise<void> {
    await this.runner.rows(REFUND, [key]);
  }

  async lock(key: string, now: number, until: number, budget: number): Promise<boolean> {
    return (await this.runner.rows(LOCK, [key, now, until, budget])).length === 1;
  }
}

function toCount(row: SqlRow): AttemptCount {
  return { attempts: Number(row.failures), lockouts: Number(row.lockouts), lockedUntil: Number(row.locked_until), windowStart: Number(row.window_start) };
}
