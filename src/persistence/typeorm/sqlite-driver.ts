import { Logger } from '@nestjs/common';
import sqlite3 from 'sqlite3';
import { StatementGate, WalCheckpointer } from './wal-checkpointer.js';

/**
 * SQLite's page cache per connection, in KiB (the default is 2 MiB). Hashed device codes and user
 * codes are spread over their indexes at random, so a poll or an issuance touches pages all over the
 * file; with the default cache most of those are read back through the OS for every batch. 64 MiB
 * holds the hot indexes of a few hundred thousand live grants; memory grows up to it only with use.
 */
const SQLITE_CACHE_KIB = 65_536;

/**
 * Prepared statements kept per connection, by SQL text. TypeORM sends the same SQL text for the same
 * query shape (values are bound separately), so the hot queries are prepared once instead of on
 * every call; least recently used SQL beyond this bound (in statements) is finalised.
 */
const STATEMENT_CACHE_MAX = 256;
/**
 * Statements kept per SQL text. sqlite3 runs the calls on one statement one after the other, each
 * waiting for the main thread to take the previous answer, so a single statement for a query that
 * 50 requests run at once became a queue; a few let the thread pool keep working meanwhile.
 */
const STATEMENTS_PER_SQL = 4;
/** Longer SQL (e.g. bulk inserts with thousands of placeholders) is rarely repeated: not cached. */
const STATEMENT_CACHE_MAX_SQL = 4_000;

const WRITE = /^(INSERT|UPDATE|DELETE) /;
/** Ten digits or more in a row: a millisecond timestamp TypeORM wrote into the SQL. */
const TIMESTAMP_LITERAL = /\d{10}/;
const RETURNING = /\bRETURNING\b/i;

type RowsCallback = (this: sqlite3.Statement, error: Error | null, rows?: unknown[]) => void;

/** A cached statement and the calls it has running or queued. */
interface Pooled {
  statement: sqlite3.Statement;
  busy: number;
}

/**
 * The `sqlite3` module as TypeORM loads it, with four differences:
 * - every connection sets `PRAGMA synchronous` and `cache_size` as soon as it opens (TypeORM has no
 *   hook for it);
 * - `verbose()`, which TypeORM always calls, does not switch on sqlite3's long stack traces (a stack
 *   capture on every call);
 * - `run`/`all`, the two calls TypeORM's query runner makes, reuse prepared statements. sqlite3's own
 *   `Database#run` prepares a statement (a trip through the thread pool), runs it (another trip) and
 *   finalises it (on the main thread) every time; the profile of a poll showed that native work as
 *   the largest single cost. A reused statement only binds and steps (sqlite3 resets it before each
 *   use); statements are finalised before the connection closes (SQLite refuses to close with live
 *   statements);
 * - a database file is checkpointed from a second connection ({@link WalCheckpointer}), never inside a
 *   request's commit; `run`/`all` pass through its {@link StatementGate}.
 */
export function sqliteDriver(synchronous: 'NORMAL' | 'FULL'): typeof sqlite3 {
  class Database extends sqlite3.Database {
    // Assigned lazily: a derived class with initialised fields could not call super() conditionally.
    private statementCache?: Map<string, Pooled[]>;
    private cachedCount?: number;
    private closing?: boolean;
    private gate?: StatementGate;
    private checkpointer?: WalCheckpointer;

    constructor(filename: string, mode?: number | ((error: Error | null) => void), callback?: (error: Error | null) => void) {
      const done = typeof mode === 'function' ? mode : callback;
      let self: Database | undefined;
      const opened = (error: Error | null) => {
        if (error || !self) return done?.(error);
        const connection = self;
        connection.exec(`PRAGMA synchronous = ${synchronous}; PRAGMA cache_size = -${SQLITE_CACHE_KIB}`, (pragmaError) => {
          if (pragmaError || !isFile(filename)) return done?.(pragmaError);
          connection.startCheckpointer(filename).then(() => done?.(null));
        });
      };
      if (typeof mode === 'number') super(filename, mode, opened);
      else super(filename, opened);
      self = this;
    }

    override run(sql: string, ...args: unknown[]): this {
      return this.dispatch('run', sql, args);
    }

    override all(sql: string, ...args: unknown[]): this {
      return this.dispatch('all', sql, args);
    }

    /**
     * Checkpoints from a connection of its own (see {@link WalCheckpointer}) and switches this
     * connection's automatic checkpoints off; if that cannot be set up, SQLite's own stay on.
     */
    private async startCheckpointer(filename: string): Promise<void> {
      const gate = new StatementGate();
      try {
        this.checkpointer = await WalCheckpointer.start(filename, synchronous, gate, (error) =>
          new Logger('DeviceGrant').warn(`SQLite checkpoint failed: ${error.message}`),
        );
      } catch (error) {
        new Logger('DeviceGrant').warn(`SQLite checkpoints stay in the request path: ${(error as Error).message}`);
        return;
      }
      this.gate = gate;
      await new Promise<void>((resolve) => this.exec('PRAGMA wal_autocheckpoint = 0', () => resolve()));
    }

    /** Runs `run`/`all` through the gate (when there is one), on a cached statement where it can. */
    private dispatch(method: 'run' | 'all', sql: string, args: unknown[]): this {
      const gate = this.gate;
      const callback = args[args.length - 1];
      if (gate && typeof callback === 'function') {
        if (!gate.admit(() => this.dispatch(method, sql, args))) return this;
        args = [
          ...args.slice(0, -1),
          function (this: unknown, ...results: unknown[]) {
            gate.end();
            return callback.apply(this, results);
          },
        ];
      }
      if (this.cached(method, sql, args)) return this;
      return method === 'run' ? super.run(sql, ...args) : super.all(sql, ...args);
    }

    private get statements(): Map<string, Pooled[]> {
      return (this.statementCache ??= new Map());
    }

    override close(callback?: (error: Error | null) => void): void {
      this.closing = true;
      // The checkpoint connection closes first: closing the last connection checkpoints the whole log
      // and deletes the WAL file.
      const checkpointer = this.checkpointer;
      this.checkpointer = undefined;
      void (checkpointer?.stop() ?? Promise.resolve()).then(() => {
        const statements = [...this.statements.values()].flat();
        this.statements.clear();
        this.cachedCount = 0;
        let left = statements.length;
        if (left === 0) return void super.close(callback);
        // finalize() is queued behind calls still running on the statement.
        for (const { statement } of statements) statement.finalize(() => --left === 0 && super.close(callback));
      });
    }

    /**
     * Runs `run`/`all` with the form TypeORM uses, `(sql, parameters?, callback)`, on a cached
     * statement; false (the caller runs it the plain way) for any other form, and for one-off SQL.
     */
    private cached(method: 'run' | 'all', sql: string, args: unknown[]): boolean {
      const [parameters, callback] = args.length === 2 ? args : [undefined, args[0]];
      if (args.length > 2 || typeof callback !== 'function' || this.closing) return false;
      if (parameters !== undefined && !Array.isArray(parameters)) return false;
      if (sql.length > STATEMENT_CACHE_MAX_SQL) return false;
      // `run` steps once: only a statement that finishes in that one step (a write without RETURNING,
      // not e.g. `PRAGMA journal_mode`, which returns a row) may stay prepared, or it would stay
      // "in progress" and block COMMIT. `all` steps to the end.
      if (method === 'run' && !(WRITE.test(sql) && !RETURNING.test(sql))) return false;
      // TypeORM writes numbers into the SQL text on SQLite instead of binding them, so SQL carrying a
      // timestamp (`"created_at" = 1795480041845`) is new every time: not worth preparing for reuse.
      // (Remembering SQL seen once instead, to cache on a second sighting, cost more than it saved.)
      if (TIMESTAMP_LITERAL.test(sql)) return false;
      const pool = this.statements.get(sql);
      const call = { method, sql, values: (parameters as unknown[] | undefined) ?? [], answer: callback as RowsCallback };
      if (pool) {
        // Most recently used last, so eviction takes the first.
        this.statements.delete(sql);
        this.statements.set(sql, pool);
        let best = pool[0];
        for (const entry of pool) if (entry.busy < best.busy) best = entry;
        if (best.busy === 0 || pool.length >= STATEMENTS_PER_SQL) {
          this.use(best, call);
          return true;
        }
      }
      // Prepared with a callback first: sqlite3 drops the calls queued on a statement whose
      // preparation failed without calling them back.
      const fresh: sqlite3.Statement = this.prepare(sql, (error: Error | null) => {
        if (error) return call.answer.call(fresh, error);
        const entry = { statement: fresh, busy: 0 };
        const current = this.statements.get(sql) ?? [];
        if (this.closing || current.length >= STATEMENTS_PER_SQL) {
          // Closing, or enough statements for this SQL were prepared meanwhile: use this one once.
          this.use(entry, call);
          fresh.finalize();
          return;
        }
        current.push(entry);
        this.statements.set(sql, current);
        this.cachedCount = (this.cachedCount ?? 0) + 1;
        this.evict();
        this.use(entry, call);
      });
      return true;
    }

    private use(entry: Pooled, call: { method: 'run' | 'all'; sql: string; values: unknown[]; answer: RowsCallback }): void {
      const self = this;
      entry.busy++;
      (entry.statement[call.method] as (values: unknown[], callback: RowsCallback) => unknown)(call.values, function (error, rows) {
        entry.busy--;
        // A statement that failed (e.g. SQLITE_BUSY, which leaves it mid-step) is dropped, not reused.
        if (error) self.forget(call.sql, entry);
        return call.answer.call(this, error, rows);
      });
    }

    /** Finalises the least recently used SQL's statements while over the bound. */
    private evict(): void {
      while ((this.cachedCount ?? 0) > STATEMENT_CACHE_MAX) {
        const [oldestSql, oldest] = this.statements.entries().next().value!;
        this.statements.delete(oldestSql);
        this.cachedCount! -= oldest.length;
        for (const { statement } of oldest) statement.finalize();
      }
    }

    private forget(sql: string, entry: Pooled): void {
      const pool = this.statements.get(sql);
      const index = pool?.indexOf(entry) ?? -1;
      if (index < 0) return;
      pool!.splice(index, 1);
      if (pool!.length === 0) this.statements.delete(sql);
      this.cachedCount! -= 1;
      entry.statement.finalize();
    }
  }
  const driver = { ...sqlite3, Database, verbose: () => driver } as unknown as typeof sqlite3;
  return driver;
}

/** A database file, not an in-memory or temporary database (which have no WAL to checkpoint). */
function isFile(filename: string): boolean {
  return filename !== '' && filename !== ':memory:' && !filename.startsWith('file::memory:');
}
