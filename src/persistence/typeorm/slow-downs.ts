import { SLOW_DOWN_INCREMENT } from '../../constants.js';
import type { Poll } from '../records.js';
import { GroupCommit } from './group-commit.js';
import { postgresCommitFor, batchParameters, batchesAtOnce, type SqlRunner } from './sql-runner.js';

const MAX_BATCH = 256;

/** A too-early poll and the longest interval its grant may grow to. */
type TooEarly = Poll & { maxInterval: number };

/**
 * `slow_down`, batched: every too-early poll of a pending grant grows its interval by five seconds for
 * good and becomes the poll the next one is measured from. The update holds the same conditions as the
 * on-time stamp (this client's, pending, not disconnected, not expired), so it answers a poll on its own:
 * a row back means `slow_down`; none means the grant is not (or no longer) one to slow down, and the poll
 * is answered by reading it. Too-early polls that arrive together (a device hammering the endpoint sends
 * many at once) share one UPDATE; a grant that appears n times in a batch grows by 5 × n seconds (up to
 * its maximum) and is stamped with the latest of them, exactly as n statements one after the other would leave it. On
 * PostgreSQL this also keeps a hammered grant's row lock from serialising one durable commit per request.
 * @see RFC 8628 §3.5
 */
export class SlowDowns {
  private readonly batches: GroupCommit<TooEarly, number | undefined>;
  private readonly sql: string;

  constructor(private readonly runner: SqlRunner) {
    this.sql = runner.dialect === 'postgres' ? POSTGRES : SQLITE;
    this.batches = new GroupCommit((polls) => this.write(polls), { maxBatch: MAX_BATCH, concurrency: batchesAtOnce(runner.dialect) });
  }

  /**
   * Records the too-early poll; resolves to the grant's interval after it, at most `maxInterval`
   * (undefined: not a pending, live grant of this client).
   */
  record(poll: Poll, maxInterval: number): Promise<number | undefined> {
    return this.batches.submit({ ...poll, maxInterval });
  }

  private async write(polls: readonly TooEarly[]): Promise<(number | undefined)[]> {
    const byPoller = new Map<string, { poll: TooEarly; count: number; at: number }>();
    for (const poll of polls) {
      const key = `${poll.deviceCodeHash} ${poll.clientId}`;
      const entry = byPoller.get(key);
      if (entry) {
        entry.count++;
        entry.at = Math.max(entry.at, poll.at);
      } else {
        byPoller.set(key, { poll, count: 1, at: poll.at });
      }
    }
    const batch = [...byPoller.values()].map(({ poll, count, at }) => [poll.deviceCodeHash, poll.clientId, count, at, poll.maxInterval]);
    const rows = await this.runner.rows(this.sql, batchParameters(this.runner.dialect, batch, 5));
    // A device code is one grant, and the update matched only its own client's polls.
    const intervals = new Map(rows.map((row) => [row.device_code_hash as string, Number(row.poll_interval)]));
    return polls.map((poll) => intervals.get(poll.deviceCodeHash));
  }
}

/**
 * SQLite: one JSON array parameter (`[[hash, client_id, count, at, max], …]`), one SQL text for any
 * batch. The interval grows to at most `max`, and never shrinks (were `max` lowered since it grew).
 */
const SQLITE =
  `UPDATE "dg_device_grant" SET "poll_interval" = max("poll_interval", min("poll_interval" + ${SLOW_DOWN_INCREMENT} * ("poll"."value" ->> 2), "poll"."value" ->> 4)),` +
  ` "last_polled_at" = "poll"."value" ->> 3` +
  ` FROM json_each(?1) AS "poll"` +
  ` WHERE "device_code_hash" = "poll"."value" ->> 0 AND "client_id" = "poll"."value" ->> 1` +
  ` AND "status" = 'pending' AND "revoked_at" IS NULL AND "expires_at" > "poll"."value" ->> 3` +
  ` RETURNING "device_code_hash", "poll_interval"`;

/**
 * PostgreSQL: four arrays zipped by `unnest`. A cheap write (`WRITE_DURABILITY`): the grown interval is
 * visible to every instance at once, and a crash of the database may forget only its last moments,
 * after which the device, which added the seconds itself (RFC 8628 §3.5 requires it to), is merely
 * held to a shorter interval than it keeps.
 */
const POSTGRES =
  `UPDATE "dg_device_grant" AS "g" SET "poll_interval" = GREATEST("g"."poll_interval", LEAST("g"."poll_interval" + ${SLOW_DOWN_INCREMENT} * "poll"."count", "poll"."max")),` +
  ` "last_polled_at" = "poll"."at"` +
  ` FROM ${postgresCommitFor('grants.slowDown')}` +
  ` unnest($1::varchar[], $2::varchar[], $3::integer[], $4::bigint[], $5::integer[]) AS "poll"("hash", "client_id", "count", "at", "max")` +
  ` WHERE "g"."device_code_hash" = "poll"."hash" AND "g"."client_id" = "poll"."client_id"` +
  ` AND "g"."status" = 'pending' AND "g"."revoked_at" IS NULL AND "g"."expires_at" > "poll"."at"` +
  ` RETURNING "g"."device_code_hash", "g"."poll_interval"`;
