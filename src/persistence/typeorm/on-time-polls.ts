import type { Poll } from '../records.js';
import { GroupCommit } from './group-commit.js';
import { postgresCommitFor, batchParameters, batchesAtOnce, type SqlRunner } from './sql-runner.js';

/** The most polls stamped by one statement. */
const MAX_BATCH = 256;

/**
 * The hot path of polling, batched: a well-behaved device asking about a pending grant. One
 * conditional UPDATE per batch stamps `last_polled_at` on every grant in it that is this client's,
 * pending, not disconnected, not expired, and last polled at least its interval ago; the rows it
 * returns are the polls that get `authorization_pending`. Every other poll (unknown code, decided or
 * expired grant, a poll too early) is not stamped and is answered by reading the grant.
 *
 * A device code twice in one batch is stamped once: the second poll is answered the slow way and,
 * coming a moment after the first, is `slow_down`, as it would be if the two went one after the other.
 * @see RFC 8628 §3.5
 */
export class OnTimePolls {
  private readonly batches: GroupCommit<Poll, boolean>;
  private readonly sql: string;

  constructor(private readonly runner: SqlRunner) {
    this.sql = runner.dialect === 'postgres' ? POSTGRES : SQLITE;
    this.batches = new GroupCommit((polls) => this.write(polls), {
      maxBatch: MAX_BATCH,
      concurrency: batchesAtOnce(runner.dialect),
    });
  }

  /** True when the poll was on time for a pending grant of this client, and is now stamped. */
  stamp(poll: Poll): Promise<boolean> {
    return this.batches.submit(poll);
  }

  private async write(polls: readonly Poll[]): Promise<boolean[]> {
    const first = new Map<string, number>();
    const distinct: Poll[] = [];
    polls.forEach((poll, index) => {
      if (first.has(poll.deviceCodeHash)) return;
      first.set(poll.deviceCodeHash, index);
      distinct.push(poll);
    });
    const rows = distinct.map((poll) => [poll.deviceCodeHash, poll.clientId, poll.at]);
    const parameters = batchParameters(this.runner.dialect, rows, 3);
    const stamped = new Set((await this.runner.rows(this.sql, parameters)).map((row) => row.device_code_hash as string));
    return polls.map((poll, index) => first.get(poll.deviceCodeHash) === index && stamped.has(poll.deviceCodeHash));
  }
}

/**
 * SQLite: the batch is one JSON array parameter (`[[hash, client_id, at], …]`), so the SQL text never
 * changes and its prepared statement is reused; `json_each` feeds it row by row into lookups by the
 * unique device-code-hash index.
 */
const SQLITE =
  `UPDATE "dg_device_grant" SET "last_polled_at" = "poll"."value" ->> 2` +
  ` FROM json_each(?1) AS "poll"` +
  ` WHERE "device_code_hash" = "poll"."value" ->> 0 AND "client_id" = "poll"."value" ->> 1` +
  ` AND "status" = 'pending' AND "revoked_at" IS NULL AND "expires_at" > "poll"."value" ->> 2` +
  ` AND ("last_polled_at" IS NULL OR "last_polled_at" + "poll_interval" * 1000 <= "poll"."value" ->> 2)` +
  ` RETURNING "device_code_hash"`;

/**
 * PostgreSQL: the batch is three arrays zipped by `unnest`, again one SQL text for any batch size.
 * A stamp is a cheap write (`WRITE_DURABILITY`): a crash may forget the last moments of stamps, which
 * only means the next poll of those devices is not checked against the previous one.
 */
const POSTGRES =
  `UPDATE "dg_device_grant" AS "g" SET "last_polled_at" = "poll"."at"` +
  ` FROM ${postgresCommitFor('grants.stampOnTimePoll')}` +
  ` unnest($1::varchar[], $2::varchar[], $3::bigint[]) AS "poll"("hash", "client_id", "at")` +
  ` WHERE "g"."device_code_hash" = "poll"."hash" AND "g"."client_id" = "poll"."client_id"` +
  ` AND "g"."status" = 'pending' AND "g"."revoked_at" IS NULL AND "g"."expires_at" > "poll"."at"` +
  ` AND ("g"."last_polled_at" IS NULL OR "g"."last_polled_at" + "g"."poll_interval" * 1000 <= "poll"."at")` +
  ` RETURNING "g"."device_code_hash"`;
