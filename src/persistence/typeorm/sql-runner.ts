import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { WRITE_DURABILITY, type StoreWrite } from '../device-grant-store.js';

/** A row as the driver returns it (PostgreSQL returns bigint columns as strings). */
export type SqlRow = Record<string, unknown>;

/**
 * Fixed SQL run straight on the driver, for the hot paths. TypeORM's query runner (a runner per query,
 * logging and broadcast hooks, and on SQLite `run` for any write, which drops RETURNING rows) costs
 * more CPU than the small statements of a poll or an issuance. Statements run outside any TypeORM
 * transaction, as TypeORM's own single-statement writes do.
 */
export interface SqlRunner {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Runs one statement and returns its rows (a write's RETURNING rows). Parameters are written `$1`,
   * `$2`, … for both dialects (SQLite's own `?1` works too).
   */
  rows(sql: string, parameters: readonly unknown[]): Promise<SqlRow[]>;
}

interface SqliteConnection {
  all(sql: string, parameters: readonly unknown[], callback: (error: Error | null, rows?: SqlRow[]) => void): unknown;
}

interface PgPool {
  query(query: { name: string; text: string; values: readonly unknown[] }): Promise<{ rows: SqlRow[] }>;
}

/**
 * A batch's rows as the parameters of one fixed statement, whatever the batch size: on PostgreSQL one
 * array per column (for `unnest($1::type[], $2::type[], …)`), on SQLite one JSON array of the rows
 * (for `json_each(?1)`, read back with `"value" ->> column`).
 */
export function batchParameters(dialect: SqlRunner['dialect'], rows: readonly (readonly unknown[])[], columns: number): unknown[] {
  if (dialect === 'sqlite') return [JSON.stringify(rows)];
  return Array.from({ length: columns }, (_, column) => rows.map((row) => row[column]));
}

/**
 * Batches of one kind (see `GroupCommit`) that may run at once. SQLite has one connection: one batch
 * runs while the next forms. PostgreSQL has a pool: two run at once, one forming while the other
 * commits; more measured slower (the batches got smaller and the database busier).
 */
export function batchesAtOnce(dialect: SqlRunner['dialect']): number {
  return dialect === 'postgres' ? 2 : 1;
}

/** The runner for an initialised data source of the module (SQLite or PostgreSQL). */
export function sqlRunnerFor(dataSource: DataSource): SqlRunner {
  const type = dataSource.options.type;
  if (type === 'postgres') {
    const pool = (dataSource.driver as unknown as { master: PgPool }).master;
    const names = new Map<string, string>();
    return {
      dialect: 'postgres',
      rows: async (sql, parameters) => {
        let name = names.get(sql);
        if (name === undefined) names.set(sql, (name = preparedStatementName(sql)));
        return (await pool.query({ name, text: sql, values: parameters })).rows;
      },
    };
  }
  if (type === 'sqlite') {
    const driver = dataSource.driver as unknown as { databaseConnection: SqliteConnection };
    const texts = new Map<string, string>();
    return {
      dialect: 'sqlite',
      rows: (sql, parameters) => {
        let text = texts.get(sql);
        if (text === undefined) texts.set(sql, (text = sqliteParameters(sql)));
        return new Promise((resolve, reject) =>
          // Read at each call: the connection object exists only once the data source is initialised.
          driver.databaseConnection.all(text, parameters, (error, rows) => (error ? reject(error) : resolve(rows ?? []))),
        );
      },
    };
  }
  throw new Error(`device-grant-kit supports SQLite and PostgreSQL, not ${type}`);
}

/**
 * The name a fixed statement is prepared under on each PostgreSQL connection (node-postgres sends it
 * to be parsed once per connection, then only binds and executes it), from its text, so that one name
 * never stands for two texts.
 */
function preparedStatementName(sql: string): string {
  return `dg_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
}

/**
 * For a PostgreSQL UPDATE's FROM list: a cheap write (see `WRITE_DURABILITY`) commits without waiting
 * for the disk (`set_config(..., true)` lasts until the end of the statement's implicit transaction);
 * a durable one waits, as every commit does by default. Ends with a comma when not empty.
 */
export function postgresCommitFor(write: StoreWrite): string {
  return WRITE_DURABILITY[write] === 'cheap' ? `(SELECT set_config('synchronous_commit', 'off', true)) AS "async_commit",` : '';
}

/** PostgreSQL's `$n` placeholders as SQLite's `?n` (which bind by number, as `$n` do). */
function sqliteParameters(sql: string): string {
  return sql.replace(/\$(\d+)/g, '?$1');
}
