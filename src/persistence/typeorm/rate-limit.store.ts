import { WRITE_DURABILITY, type RateLimitStore } from '../device-grant-store.js';
import type { AttemptCount } from '../records.js';
import { GroupCommit } from './group-commit.js';
import { batchesAtOnce, type SqlRow, type SqlRunner } from './sql-runner.js';

/**
 * The upsert's conflict branch, counting `increment` more attempts (an SQL expression). `touch`: the
 * key's `updated_at` follows every attempt; otherwise only a new window moves it (enough for the
 * purge, which drops keys not counted for a day), so that on PostgreSQL the hot row of a request
 * rate is updated without touching its `updated_at` index (a HOT update).
 */
const counted = (increment: string, touch: boolean) =>
  ` ON CONFLICT ("key") DO UPDATE SET` +
  ` "failures" = CASE WHEN "dg_rate_limit"."locked_until" > $2 THEN "dg_rate_limit"."failures"` +
  ` WHEN "dg_rate_limit"."window_start" <= $3 THEN ${increment} ELSE "dg_rate_limit"."failures" + ${increment} END,` +
  ` "window_start" = CASE WHEN "dg_rate_limit"."locked_until" > $2 THEN "dg_rate_limit"."window_start"` +
  ` WHEN "dg_rate_limit"."window_start" <= $3 THEN $2 ELSE "dg_rate_limit"."window_start" END,` +
  (touch ? ` "updated_at" = $2` : ` "updated_at" = CASE WHEN "dg_rate_limit"."window_start" <= $3 THEN $2 ELSE "dg_rate_limit"."updated_at" END`) +
  ` RETURNING "failures", "lockouts", "locked_until", "window_start"`;

/** One atomic upsert: concurrent attempts on several instances are all counted, each seeing its own count. */
const ATTEMPT =
  `INSERT INTO "dg_rate_limit" ("key", "window_start", "failures", "locked_until", "lockouts", "updated_at") VALUES ($1, $2, 1, 0, 0, $2)` + counted('1', true);

/**
 * The upsert for a request rate, counting `$4` requests at once. PostgreSQL: a cheap write
 * (`WRITE_DURABILITY`), committed without waiting for the WAL flush (the SELECT form, with `WHERE true`
 * so that ON CONFLICT is not read as a join's ON).
 */
const COUNT = {
  sqlite:
    `INSERT INTO "dg_rate_limit" ("key", "window_start", "failures", "locked_until", "lockouts", "updated_at") VALUES ($1, $2, $4, 0, 0, $2)` +
    counted('$4', false),
  postgres:
    `INSERT INTO "dg_rate_limit" ("key", "window_start", "failures", "locked_until", "lockouts", "updated_at")` +
    ` SELECT $1, $2, $4::integer, 0, 0, $2` +
    (WRITE_DURABILITY['rateLimits.count'] === 'cheap' ? ` FROM (SELECT set_config('synchronous_commit', 'off', true)) AS "async_commit"` : '') +
    ` WHERE true` +
    counted('$4::integer', false),
};

/** The most requests one counting statement carries. */
const MAX_COUNT_BATCH = 512;

interface CountRequest {
  key: string;
  now: number;
  windowStart: number;
}

const REFUND = `UPDATE "dg_rate_limit" SET "failures" = "failures" - 1 WHERE "key" = $1 AND "failures" > 0`;

/** Conditional on the count, so of several callers seeing the budget spent only one locks. */
const LOCK =
  `UPDATE "dg_rate_limit" SET "locked_until" = $3, "lockouts" = "lockouts" + 1, "failures" = 0, "window_start" = $2, "updated_at" = $2` +
  ` WHERE "key" = $1 AND "failures" >= $4 AND "locked_until" <= $2 RETURNING "key"`;

/**
 * Guess budgets and request rates on fixed SQL. (The column `failures` holds the attempts counted in the
 * window.) Request rates are counted in groups (see `GroupCommit`): the requests of a busy moment that
 * count one key share one upsert adding their number, and each gets its own place in the count that
 * upsert returns, as if each had added its one.
 */
export class TypeOrmRateLimitStore implements RateLimitStore {
  private readonly counts: GroupCommit<CountRequest, AttemptCount>;

  constructor(private readonly runner: SqlRunner) {
    this.counts = new GroupCommit((requests) => this.countGroup(requests), { maxBatch: MAX_COUNT_BATCH, concurrency: batchesAtOnce(runner.dialect) });
  }

  async attempt(key: string, now: number, windowStart: number): Promise<AttemptCount> {
    const [row] = await this.runner.rows(ATTEMPT, [key, now, windowStart]);
    return toCount(row);
  }

  count(key: string, now: number, windowStart: number): Promise<AttemptCount> {
    return this.counts.submit({ key, now, windowStart });
  }

  /** One upsert per key of the group (at once), at the group's latest time; the requests of a key are counted in the order they came. */
  private async countGroup(requests: readonly CountRequest[]): Promise<AttemptCount[]> {
    const byKey = new Map<string, { now: number; windowStart: number; indices: number[] }>();
    requests.forEach((request, index) => {
      const group = byKey.get(request.key);
      if (!group) byKey.set(request.key, { now: request.now, windowStart: request.windowStart, indices: [index] });
      else {
        group.now = Math.max(group.now, request.now);
        group.windowStart = Math.max(group.windowStart, request.windowStart);
        group.indices.push(index);
      }
    });
    const results: AttemptCount[] = new Array(requests.length);
    await Promise.all(
      [...byKey].map(async ([key, group]) => {
        const [row] = await this.runner.rows(COUNT[this.runner.dialect], [key, group.now, group.windowStart, group.indices.length]);
        const total = toCount(row);
        group.indices.forEach((index, place) => (results[index] = { ...total, attempts: total.attempts - group.indices.length + 1 + place }));
      }),
    );
    return results;
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
