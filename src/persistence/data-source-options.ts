import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { DEVICE_GRANT_ENTITIES } from './entities/index.js';
import { DEVICE_GRANT_MIGRATIONS } from './migrations/index.js';
import { sqliteDriver } from './typeorm/sqlite-driver.js';

/** The default embedded database file, relative to the working directory. */
export const DEFAULT_SQLITE_PATH = 'data/device-grant.sqlite';

/** Settings that turn a database URL into TypeORM options. */
export interface DatabaseSettings {
  /**
   * `postgres://user@host:5432/db` for PostgreSQL (several instances), `sqlite:path/to/file.sqlite`
   * for an embedded file (one box), `sqlite::memory:` for a throw-away database. Default: the
   * SQLite file `data/device-grant.sqlite`.
   */
  url?: string;
  /** Extra entities of the application sharing the database. */
  entities?: DataSourceOptions['entities'];
  /** Extra migrations of the application, run after the module's. */
  migrations?: DataSourceOptions['migrations'];
  /** Run pending migrations when the data source initialises. Default true. */
  migrationsRun?: boolean;
  /** Log SQL. Default false. */
  logging?: boolean;
  /**
   * SQLite's `PRAGMA synchronous` for the WAL-mode file. `NORMAL` (default): a commit is written to
   * the WAL without an fsync, so it survives a crash or SIGKILL of the process but the last commits
   * before a power loss or kernel crash may be rolled back (the file stays consistent). `FULL`: an
   * fsync per commit, which survives power loss too and caps writes at the disk's fsync rate
   * (a few hundred a second on a typical cloud volume). Ignored for PostgreSQL and `:memory:`.
   * @see https://www.sqlite.org/pragma.html#pragma_synchronous
   */
  sqliteSynchronous?: 'NORMAL' | 'FULL';
}

/** The kind of database a URL names. */
export function databaseKind(url: string | undefined): 'sqlite' | 'postgres' {
  if (!url || url.startsWith('sqlite:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgres';
  throw new Error(`Unsupported DATABASE_URL ${url.split(':')[0]}: use sqlite:PATH or postgres://...`);
}

/**
 * TypeORM options for the module's database: an SQLite file in WAL mode by default, or PostgreSQL.
 * `synchronize` is always off: the schema comes from the migrations.
 */
export function buildDataSourceOptions(settings: DatabaseSettings = {}): DataSourceOptions {
  const common = {
    entities: [...DEVICE_GRANT_ENTITIES, ...((settings.entities as unknown[]) ?? [])],
    migrations: [...DEVICE_GRANT_MIGRATIONS, ...((settings.migrations as unknown[]) ?? [])],
    migrationsRun: settings.migrationsRun ?? true,
    migrationsTableName: 'dg_migrations',
    synchronize: false,
    logging: settings.logging ?? false,
  } as const;
  if (databaseKind(settings.url) === 'postgres') {
    return { ...common, type: 'postgres', url: settings.url, extra: { max: 20 } } as DataSourceOptions;
  }
  const path = settings.url ? settings.url.replace(/^sqlite:(\/\/)?/, '') : DEFAULT_SQLITE_PATH;
  const database = path === ':memory:' ? path : resolve(path);
  if (database !== ':memory:') createPrivately(database);
  return {
    ...common,
    type: 'sqlite',
    database,
    enableWAL: database !== ':memory:',
    busyTimeout: 10_000,
    driver: sqliteDriver(settings.sqliteSynchronous ?? 'NORMAL'),
  } as DataSourceOptions;
}

/**
 * The database's directory is created 0700 and its file 0600 before SQLite opens it (SQLite gives its
 * `-wal` and `-shm` files the database file's mode); files left 0644 by an older version are narrowed.
 * The database holds client records, refresh-token hashes and sealed keys: nobody else on the machine
 * needs to read them.
 */
function createPrivately(database: string): void {
  mkdirSync(dirname(database), { recursive: true, mode: 0o700 });
  if (!existsSync(database)) closeSync(openSync(database, 'a', 0o600));
  for (const file of [database, `${database}-wal`, `${database}-shm`]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
}
