import { GroupCommit } from '../persistence/group-commit.js';
import { batchParameters, batchesAtOnce, type SqlRunner } from '../persistence/sql-runner.js';

/** The seconds a device must add to its interval after `slow_down`. @see RFC 8628 §3.5 */
export const SLOW_DOWN_INCREMENT = 5;

/** A poll of a pending grant that came too soon after the previous one (ms since the epoch). */
export interface TooEarlyPoll {
  grantId: string;
  at: number;
}

const MAX_BATCH = 256;

/**
 * `slow_down`, batched: every too-early poll grows its grant's interval by five seconds for good and
 * becomes the poll the next one is measured from. Too-early polls that arrive together (a device
 * hammering the endpoint sends many at once) share one UPDATE; a grant that appears n times
 * in a batch grows by 5 × n seconds and is stamped with the latest of them, exactly as n statements
 * one after the other would leave it. On PostgreSQL this also keeps a hammered grant's row lock
 * from serialising one durable commit per request.
 * @see RFC 8628 §3.5
 */
export class SlowDowns {
  private readonly batches: GroupCommit<TooEarlyPoll, number | undefined>;
  private readonly sql: string;

  constructor(private readonly runner: SqlRunner) {
    this.sql = runner.dialect === 'postgres' ? POSTGRES : SQLITE;
    this.batches = new GroupCommit((polls) => this.write(polls), { maxBatch: MAX_BATCH, concurrency: batchesAtOnce(runner.dialect) });
  }

  /** Records the too-early poll; resolves to the grant's interval after it (undefined: no longer pending). */
  record(poll: TooEarlyPoll): Promise<number | undefined> {
    return this.batches.submit(poll);
  }

  private async write(polls: readonly TooEarlyPoll[]): Promise<(number | undefined)[]> {
    const byGrant = new Map<string, { count: number; at: number }>();
    for (const poll of polls) {
      const entry = byGrant.get(poll.grantId);
      if (entry) {
        entry.count++;
        entry.at = Math.max(entry.at, poll.at);
      } else {
        byGrant.set(poll.grantId, { count: 1, at: poll.at });
      }
    }
    const batch = [...byGrant].map(([grantId, { count, at }]) => [grantId, count, at]);
    const rows = await this.runner.rows(this.sql, batchParameters(this.runner.dialect, batch, 3));
    const intervals = new Map(rows.map((row) => [row.id as string, Number(row.poll_interval)]));
    return polls.map((poll) => intervals.get(poll.grantId));
  }
}

/**
 * SQLite: one JSON array parameter (`[[id, count, at], …]`), one SQL text for any batch (`json_each`
 * has an `id` column of its own, hence the qualified names).
 */
const SQLITE =
  `UPDATE "dg_device_grant" SET "poll_interval" = "poll_interval" + ${SLOW_DOWN_INCREMENT} * ("poll"."value" ->> 1),` +
  ` "last_polled_at" = "poll"."value" ->> 2` +
  ` FROM json_each(?1) AS "poll"` +
  ` WHERE "dg_device_grant"."id" = "poll"."value" ->> 0 AND "status" = 'pending'` +
  ` RETURNING "dg_device_grant"."id" AS "id", "poll_interval"`;

/**
 * PostgreSQL: three arrays zipped by `unnest`. Like the on-time stamps (see `OnTimePolls`), the commit
 * does not wait for the disk: the grown interval is visible to every instance at once, and a crash of
 * the database may forget only the growth of its last ~0.6 s, after which the device, which added the
 * seconds itself (RFC 8628 §3.5 requires it to), is merely held to a shorter interval than it keeps.
 * On SQLite (WAL, `synchronous = NORMAL`) no commit waits for the disk either.
 */
const POSTGRES =
  `UPDATE "dg_device_grant" AS "g" SET "poll_interval" = "g"."poll_interval" + ${SLOW_DOWN_INCREMENT} * "poll"."count",` +
  ` "last_polled_at" = "poll"."at"` +
  ` FROM (SELECT set_config('synchronous_commit', 'off', true)) AS "async_commit",` +
  ` unnest($1::varchar[], $2::integer[], $3::bigint[]) AS "poll"("id", "count", "at")` +
  ` WHERE "g"."id" = "poll"."id" AND "g"."status" = 'pending'` +
  ` RETURNING "g"."id", "g"."poll_interval"`;
