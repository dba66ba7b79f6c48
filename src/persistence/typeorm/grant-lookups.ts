import type { PolledGrant } from '../records.js';
import { GroupCommit } from './group-commit.js';
import { batchParameters, batchesAtOnce, type SqlRow, type SqlRunner } from './sql-runner.js';

const COLUMNS = `"id", "device_code_hash", "client_id", "status", "poll_interval", "expires_at", "revoked_at", "subject", "scope"`;
/** One statement for any number of keys (see `batchParameters`); the unique index answers each. */
const SQLITE = `SELECT ${COLUMNS} FROM "dg_device_grant" WHERE "device_code_hash" IN (SELECT "value" ->> 0 FROM json_each(?1))`;
const POSTGRES = `SELECT ${COLUMNS} FROM "dg_device_grant" WHERE "device_code_hash" = ANY($1::varchar[])`;

const MAX_BATCH = 256;

/**
 * Reads the grant of a poll that was not stamped as on time, by its device-code key, with fixed SQL
 * (no query building or entity mapping). The reads that arrive together share one statement, as the
 * writes do (see `GroupCommit`): a device hammering the endpoint sends many polls of one code at once,
 * and one statement per poll (on PostgreSQL a round trip each) cost more than the answer
 * (bench/RESULTS.md has the measurements).
 */
export class GrantLookups {
  private readonly batches: GroupCommit<string, PolledGrant | null>;
  private readonly sql: string;

  constructor(private readonly runner: SqlRunner) {
    this.sql = runner.dialect === 'postgres' ? POSTGRES : SQLITE;
    this.batches = new GroupCommit((keys) => this.readMany(keys), { maxBatch: MAX_BATCH, concurrency: batchesAtOnce(runner.dialect) });
  }

  /** The grant with this device-code key, or null. */
  find(deviceCodeKey: string): Promise<PolledGrant | null> {
    return this.batches.submit(deviceCodeKey);
  }

  private async readMany(keys: readonly string[]): Promise<(PolledGrant | null)[]> {
    const distinct = [...new Set(keys)].map((key) => [key]);
    const rows = await this.runner.rows(this.sql, batchParameters(this.runner.dialect, distinct, 1));
    const byKey = new Map(rows.map((row) => [row.device_code_hash as string, toGrant(row)]));
    return keys.map((key) => byKey.get(key) ?? null);
  }
}

/** PostgreSQL returns bigint columns as strings. */
function toGrant(row: SqlRow): PolledGrant {
  return {
    id: row.id as string,
    clientId: row.client_id as string,
    status: row.status as PolledGrant['status'],
    interval: Number(row.poll_interval),
    expiresAt: Number(row.expires_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    subject: row.subject as string | null,
    scope: row.scope as string,
  };
}
