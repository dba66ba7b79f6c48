import type { RateLimitStore } from '../device-grant-store.js';
import type { AttemptCount } from '../records.js';
import type { SqlRunner } from './sql-runner.js';

/** One atomic upsert: concurrent attempts on several instances are all counted, each seeing its own count. */
const ATTEMPT =
  `INSERT INTO "dg_rate_limit" ("key", "window_start", "failures", "locked_until", "lockouts", "updated_at") VALUES ($1, $2, 1, 0, 0, $2)` +
  ` ON CONFLICT ("key") DO UPDATE SET` +
  ` "failures" = CASE WHEN "dg_rate_limit"."locked_until" > $2 THEN "dg_rate_limit"."failures"` +
  ` WHEN "dg_rate_limit"."window_start" <= $3 THEN 1 ELSE "dg_rate_limit"."failures" + 1 END,` +
  ` "window_start" = CASE WHEN "dg_rate_limit"."locked_until" > $2 THEN "dg_rate_limit"."window_start"` +
  ` WHEN "dg_rate_limit"."window_start" <= $3 THEN $2 ELSE "dg_rate_limit"."window_start" END,` +
  ` "updated_at" = $2` +
  ` RETURNING "failures", "lockouts", "locked_until"`;

const REFUND = `UPDATE "dg_rate_limit" SET "failures" = "failures" - 1 WHERE "key" = $1 AND "failures" > 0`;

/** Conditional on the count, so of several callers seeing the budget spent only one locks. */
const LOCK =
  `UPDATE "dg_rate_limit" SET "locked_until" = $3, "lockouts" = "lockouts" + 1, "failures" = 0, "window_start" = $2, "updated_at" = $2` +
  ` WHERE "key" = $1 AND "failures" >= $4 AND "locked_until" <= $2 RETURNING "key"`;

/** Guess budgets on fixed SQL. (The column `failures` holds the attempts counted in the window.) */
export class TypeOrmRateLimitStore implements RateLimitStore {
  constructor(private readonly runner: SqlRunner) {}

  async attempt(key: string, now: number, windowStart: number): Promise<AttemptCount> {
    const [row] = await this.runner.rows(ATTEMPT, [key, now, windowStart]);
    return { attempts: Number(row.failures), lockouts: Number(row.lockouts), lockedUntil: Number(row.locked_until) };
  }

  async refund(key: string): Promise<void> {
    await this.runner.rows(REFUND, [key]);
  }

  async lock(key: string, now: number, until: number, budget: number): Promise<boolean> {
    return (await this.runner.rows(LOCK, [key, now, until, budget])).length === 1;
  }
}
