import { GroupCommit } from './group-commit.js';
import { batchParameters, batchesAtOnce, type SqlRunner } from './sql-runner.js';

/** One column a {@link BatchedInsert} writes: its name, its PostgreSQL array element type, its value. */
export interface InsertColumn<T> {
  name: string;
  postgresType: 'varchar' | 'text' | 'integer' | 'bigint';
  value(row: T): unknown;
}

/** The most rows one statement inserts. */
const MAX_BATCH = 256;

/**
 * Inserts rows of one table in batches (see {@link GroupCommit}): the inserts that arrive together
 * share one multi-row INSERT and one commit, and each caller is answered once that commit is done.
 * The SQL text is fixed whatever the batch size (SQLite: one JSON array parameter read by `json_each`;
 * PostgreSQL: one array per column zipped by `unnest`), so each dialect prepares it once. A row whose
 * unique value is taken is skipped by `ON CONFLICT DO NOTHING` and its caller told so; no other row of
 * the batch fails with it.
 */
export class BatchedInsert<T> {
  private readonly batches: GroupCommit<T, boolean>;
  private readonly sql: string;

  /**
   * @param key the column that tells rows apart (returned for the rows inserted).
   * @param constants columns every row gets the same SQL literal for (e.g. `"status" = 'pending'`).
   */
  constructor(
    private readonly runner: SqlRunner,
    table: string,
    private readonly columns: readonly InsertColumn<T>[],
    private readonly key: InsertColumn<T>,
    constants: Readonly<Record<string, string>> = {},
  ) {
    const names = [...columns.map((column) => `"${column.name}"`), ...Object.keys(constants).map((name) => `"${name}"`)].join(', ');
    const literals = Object.values(constants).map((literal) => `, ${literal}`).join('');
    // SQLite: `WHERE true` keeps `ON CONFLICT` from being read as a join's `ON`.
    this.sql =
      runner.dialect === 'sqlite'
        ? `INSERT INTO "${table}" (${names}) SELECT ${columns.map((_, index) => `"value" ->> ${index}`).join(', ')}${literals}` +
          ` FROM json_each(?1) WHERE true ON CONFLICT DO NOTHING RETURNING "${key.name}"`
        : `INSERT INTO "${table}" (${names}) SELECT *${literals}` +
          ` FROM unnest(${columns.map((column, index) => `$${index + 1}::${column.postgresType}[]`).join(', ')})` +
          ` ON CONFLICT DO NOTHING RETURNING "${key.name}"`;
    this.batches = new GroupCommit((rows) => this.write(rows), { maxBatch: MAX_BATCH, concurrency: batchesAtOnce(runner.dialect) });
  }

  /** True once the row is committed; false when a unique value of it was taken. */
  insert(row: T): Promise<boolean> {
    return this.batches.submit(row);
  }

  private async write(rows: readonly T[]): Promise<boolean[]> {
    const values = rows.map((row) => this.columns.map((column) => column.value(row)));
    const inserted = new Set((await this.runner.rows(this.sql, batchParameters(this.runner.dialect, values, this.columns.length))).map((row) => String(row[this.key.name])));
    return rows.map((row) => inserted.has(String(this.key.value(row))));
  }
}
