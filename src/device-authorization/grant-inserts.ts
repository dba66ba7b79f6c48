import { GroupCommit } from '../persistence/group-commit.js';
import { batchParameters, batchesAtOnce, type SqlRunner } from '../persistence/sql-runner.js';

/** A new pending grant as the device authorization endpoint writes it (timestamps in ms). */
export interface NewGrant {
  id: string;
  deviceCodeHash: string;
  userCode: string;
  clientId: string;
  scope: string;
  interval: number;
  createdAt: number;
  expiresAt: number;
  deviceName: string | null;
  deviceModel: string | null;
  deviceSerial: string | null;
  requestIp: string | null;
  requestUserAgent: string | null;
}

/** The columns written, in the order of {@link toRow}; the others start NULL (status: 'pending'). */
const COLUMNS = [
  'id',
  'device_code_hash',
  'user_code',
  'client_id',
  'scope',
  'poll_interval',
  'created_at',
  'expires_at',
  'device_name',
  'device_model',
  'device_serial',
  'request_ip',
  'request_user_agent',
] as const;
const POSTGRES_TYPES = ['varchar', 'varchar', 'varchar', 'varchar', 'text', 'integer', 'bigint', 'bigint', 'varchar', 'varchar', 'varchar', 'varchar', 'varchar'];

function toRow(grant: NewGrant): unknown[] {
  return [
    grant.id,
    grant.deviceCodeHash,
    grant.userCode,
    grant.clientId,
    grant.scope,
    grant.interval,
    grant.createdAt,
    grant.expiresAt,
    grant.deviceName,
    grant.deviceModel,
    grant.deviceSerial,
    grant.requestIp,
    grant.requestUserAgent,
  ];
}

/** The most grants one statement inserts. */
const MAX_BATCH = 256;

/**
 * New grants, inserted durably in batches: device authorization requests that arrive together share
 * one multi-row INSERT and one commit, and each request is answered only after that commit. A row
 * whose user code (or, astronomically unlikely, id or device code hash) is already taken is skipped
 * by `ON CONFLICT DO NOTHING`, so one collision fails no one else's grant; its request learns it was
 * not inserted and draws a new user code. The unique indexes decide, across instances too.
 * @see RFC 8628 §3.2, §6.1
 */
export class GrantInserts {
  private readonly batches: GroupCommit<NewGrant, boolean>;
  private readonly sql: string;

  constructor(private readonly runner: SqlRunner) {
    this.sql = runner.dialect === 'postgres' ? POSTGRES : SQLITE;
    this.batches = new GroupCommit((grants) => this.write(grants), {
      maxBatch: MAX_BATCH,
      concurrency: batchesAtOnce(runner.dialect),
    });
  }

  /** True once the grant is committed; false when a unique value of it was taken. */
  insert(grant: NewGrant): Promise<boolean> {
    return this.batches.submit(grant);
  }

  private async write(grants: readonly NewGrant[]): Promise<boolean[]> {
    const parameters = batchParameters(this.runner.dialect, grants.map(toRow), COLUMNS.length);
    const inserted = new Set((await this.runner.rows(this.sql, parameters)).map((row) => row.id as string));
    return grants.map((grant) => inserted.has(grant.id));
  }
}

const COLUMN_LIST = `${COLUMNS.map((column) => `"${column}"`).join(', ')}, "status"`;

/**
 * SQLite: the batch is one JSON array parameter (one array per row), so the SQL text never changes
 * and its prepared statement is reused. (`WHERE true` keeps `ON CONFLICT` from being read as a join's
 * `ON`.)
 */
const SQLITE =
  `INSERT INTO "dg_device_grant" (${COLUMN_LIST})` +
  ` SELECT ${COLUMNS.map((_, index) => `"value" ->> ${index}`).join(', ')}, 'pending' FROM json_each(?1) WHERE true` +
  ` ON CONFLICT DO NOTHING RETURNING "id"`;

/** PostgreSQL: one array per column, zipped by `unnest`: again one SQL text for any batch size. */
const POSTGRES =
  `INSERT INTO "dg_device_grant" (${COLUMN_LIST})` +
  ` SELECT *, 'pending' FROM unnest(${POSTGRES_TYPES.map((type, index) => `$${index + 1}::${type}[]`).join(', ')})` +
  ` ON CONFLICT DO NOTHING RETURNING "id"`;
