import { GroupCommit } from './group-commit.js';
import { batchParameters, batchesAtOnce, type SqlRunner } from './sql-runner.js';

/** One column a {@link BatchedInsert} writes: its name, its PostgreSQL array element type, its value. */
export interface InsertColumn<T> {
  name: string;
  postgresType: 'varchar' | 'text' | 'integer' | 'bigint';
  value(row: T): unknown;
}

/** What a {@link BatchedInsert} writes besides its columns, and when. */
export interface InsertOptions<T> {
  /** Columns every row gets the same SQL literal for (e.g. `"status"` → `'pending'`). */
  constants?: Readonly<Record<string, string>>;
  /** Values sent with each row but not inserted, for `condition` to read. */
  extra?: readonly InsertColumn<T>[];
  /** A condition each row must meet to be inserted, given how to name one of its values in SQL. */
  condition?: (value: (name: string) => string) => string;
}

/** The most rows one statement inserts. */
const MAX_BATCH = 256;

/**
 * Inserts rows of one table in batches (see {@link GroupCommit}): the inserts that arrive together
 * share one multi-row INSERT and one commit, and each caller is answered once that commit is done.
 * The SQL text is fixed whatever the batch size (SQLite: one JSON array parameter read by `json_each`;
 * PostgreSQL: one array per column zipped by `unnest`), so each dialect prepares it once. A row whose
 * unique value is taken, or that does not meet the condition, is skipped (`ON CONFLICT DO NOTHING`)
 * and its caller told so; no other row of the batch fails with it.
 */
export class BatchedInsert<T> {
  private readonly batches: GroupCommit<T, boolean>;
  private readonly sql: string;
  private readonly sent: readonly InsertColumn<T>[];

  /** @param key the column that tells rows apart (returned for the rows inserted). */
  constructor(
    private readonly runner: SqlRunner,
    table: string,
    columns: readonly InsertColumn<T>[],
    private readonly key: InsertColumn<T>,
    options: InsertOptions<T> = {},
  ) {
    this.sent = [...columns, ...(options.extra ?? [])];
    const constants = options.constants ?? {};
    const names = [...columns.map((column) => `"${column.name}"`), ...Object.keys(constants).map((name) => `"${name}"`)].join(', ');
    const sqlite = runner.dialect === 'sqlite';
    const value = (name: string) => {
      const index = this.sent.findIndex((column) => column.name === name);
      return sqlite ? `"v"."value" ->> ${index}` : `"v"."${name}"`;
    };
    const selected = [...columns.map((column) => value(column.name)), ...Object.values(constants)].join(', ');
    const source = sqlite
      ? `json_each($1) AS "v"`
      : `unnest(${this.sent.map((column, index) => `$${index + 1}::${column.postgresType}[]`).join(', ')}) AS "v"(${this.sent.map((column) => `"${column.name}"`).join(', ')})`;
    // `WHERE` before `ON CONFLICT` also keeps SQLite from reading that `ON` as a join's.
    this.sql =
      `INSERT INTO "${table}" (${names}) SELECT ${selected} FROM ${source} WHERE ${options.condition?.(value) ?? 'true'}` +
      ` ON CONFLICT DO NOTHING RETURNING "${key.name}"`;
    this.batches = new GroupCommit((rows) => this.write(rows), { maxBatch: MAX_BATCH, concurrency: batchesAtOnce(runner.dialect) });
  }

  /** True once the row is committed; false when a unique value of it was taken or it failed the condition. */
  insert(row: T): Promise<boolean> {
    return this.batches.submit(row);
  }

  private async write(rows: readonly T[]): Promise<boolean[]> {
    const values = rows.map((row) => this.sent.map((column) => column.value(row)));
    const inserted = new Set((await this.runner.rows(this.sql, batchParameters(this.runner.dialect, values, this.sent.length))).map((row) => String(row[this.key.name])));
    return rows.map((row) => inserted.has(String(this.key.value(row))));
  }
}
