import sqlite3 from 'sqlite3';

/**
 * WAL frames (pages) at which the checkpointer briefly holds the connection's statements so that the
 * log can start over from its beginning (16 MB with 4 KiB pages). A larger log lets a page written
 * many times between checkpoints be copied into the database file once (bench/RESULTS.md, round 3).
 */
const RESTART_FRAMES = 4_000;
/**
 * Pause between checkpoints while the log grows (ms). A page written many times between two passes is
 * copied once; much shorter pauses copied the same hot pages so often that they cost more CPU than
 * SQLite's own checkpoints (bench/RESULTS.md, round 3).
 */
const BUSY_PAUSE_MS = 200;
/** Pause between checkpoints while the log does not grow (ms). */
const IDLE_PAUSE_MS = 1_000;
/**
 * How long the checkpointer waits for the statements running on the main connection to finish before
 * it gives up on this restart (ms); a statement waiting for another process's lock can take seconds.
 */
const DRAIN_WAIT_MS = 100;
/**
 * The checkpoint connection's busy timeout (ms), kept short: its fallback `RESTART` checkpoint waits for
 * other connections, and the main connection's statements are held meanwhile.
 */
const CHECKPOINT_BUSY_MS = 200;

/**
 * Holds the statements of one connection while a checkpoint needs the connection quiet. Statements
 * are admitted at once while the gate is open; while it is closed they wait, in order, and run when it
 * opens. `close()` resolves when the statements already running have finished.
 */
export class StatementGate {
  private running = 0;
  private held: (() => void)[] | null = null;
  private drained?: () => void;

  /** True when `start` may run now (it is counted until {@link end}); false when it was queued. */
  admit(start: () => void): boolean {
    if (this.held) {
      this.held.push(start);
      return false;
    }
    this.running++;
    return true;
  }

  /** A statement admitted by {@link admit} has finished. */
  end(): void {
    this.running--;
    if (this.running === 0 && this.drained) {
      const drained = this.drained;
      this.drained = undefined;
      drained();
    }
  }

  /** Holds new statements; resolves true once none is running, false if that took longer than `waitMs`. */
  close(waitMs: number): Promise<boolean> {
    this.held ??= [];
    if (this.running === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.drained = undefined;
        resolve(false);
      }, waitMs);
      this.drained = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }

  /** Lets the held statements run, in the order they came. */
  open(): void {
    const held = this.held ?? [];
    this.held = null;
    this.drained = undefined;
    for (const start of held) start();
  }
}

/** What `PRAGMA wal_checkpoint` answers. @see https://www.sqlite.org/pragma.html#pragma_wal_checkpoint */
interface CheckpointResult {
  busy: number;
  /** Frames in the log. */
  log: number;
  /** Frames of the log already copied into the database file. */
  checkpointed: number;
}

/**
 * Checkpoints a WAL-mode SQLite file from a connection of its own, so the connection that serves
 * requests never waits for one.
 *
 * By default SQLite checkpoints inside the commit that grows the log past 1,000 pages: that commit's
 * statement, and with it every statement queued on the connection, waits while the pages are copied
 * into the database file and the file is synced. Under a steady stream of writes this was the largest
 * wait of an issuance (bench/RESULTS.md, round 3).
 * Here the main connection's automatic checkpoints are off and this connection copies pages with
 * `PASSIVE` checkpoints, which never block readers or writers, on a thread of its own.
 *
 * A log is only started over from its beginning when a writer finds it fully copied, which a
 * checkpoint running alongside a steady writer never achieves: the log would grow without end. So
 * once it holds {@link RESTART_FRAMES} frames, the checkpointer holds the main connection's new
 * statements, waits for the running ones, copies the few frames written since its last pass, and lets
 * the statements go on; the next write starts the log over. Writes of other processes on the same file
 * can still keep the log from being fully copied; if it grows to four times the mark, a `RESTART`
 * checkpoint (which waits for other connections, for at most {@link CHECKPOINT_BUSY_MS}) makes sure.
 */
export class WalCheckpointer {
  private timer?: NodeJS.Timeout;
  private pass?: Promise<void>;
  private stopped = false;
  /** The log's length at the previous pass: a log that has not changed needs no hurry. */
  private lastLog = -1;

  private constructor(
    private readonly connection: sqlite3.Database,
    private readonly gate: StatementGate,
    private readonly onError: (error: Error) => void,
  ) {}

  /**
   * Opens the checkpoint connection to `filename` and starts checkpointing; rejects (and nothing runs)
   * when the connection cannot be set up, in which case the caller keeps SQLite's own checkpoints.
   */
  static async start(
    filename: string,
    synchronous: string,
    gate: StatementGate,
    onError: (error: Error) => void,
  ): Promise<WalCheckpointer> {
    const connection = await new Promise<sqlite3.Database>((resolve, reject) => {
      const opened: sqlite3.Database = new sqlite3.Database(filename, (error) => (error ? reject(error) : resolve(opened)));
    });
    try {
      // The checkpoint's syncs follow this connection's setting: the same as the main connection's.
      await exec(connection, `PRAGMA synchronous = ${synchronous}; PRAGMA busy_timeout = ${CHECKPOINT_BUSY_MS}`);
    } catch (error) {
      connection.close();
      throw error;
    }
    const checkpointer = new WalCheckpointer(connection, gate, onError);
    checkpointer.schedule(BUSY_PAUSE_MS);
    return checkpointer;
  }

  /** Stops checkpointing and closes the checkpoint connection (after a pass in progress). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.pass;
    await new Promise<void>((resolve) => this.connection.close(() => resolve()));
  }

  private schedule(pauseMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.pass = this.checkpoint()
        .then(
          (pause) => pause,
          (error: Error) => {
            this.onError(error);
            return IDLE_PAUSE_MS;
          },
        )
        .then((pause) => this.schedule(pause));
    }, pauseMs);
    // A checkpoint to come never keeps the process alive.
    this.timer.unref();
  }

  /** One pass; returns how long to pause before the next. */
  private async checkpoint(): Promise<number> {
    const passive = await this.run('PASSIVE');
    if (passive.log < 0) {
      // This connection has not read the file since it was switched to WAL mode (the main connection
      // does that after opening): a read makes it see the log.
      await new Promise((resolve, reject) => this.connection.get('PRAGMA schema_version', (error) => (error ? reject(error) : resolve(null))));
      return BUSY_PAUSE_MS;
    }
    const grew = passive.log !== this.lastLog;
    this.lastLog = passive.log;
    if (passive.log < RESTART_FRAMES) return grew ? BUSY_PAUSE_MS : IDLE_PAUSE_MS;
    if (await this.gate.close(DRAIN_WAIT_MS)) {
      try {
        await this.run(passive.log >= 4 * RESTART_FRAMES ? 'RESTART' : 'PASSIVE');
      } finally {
        this.gate.open();
      }
    } else {
      this.gate.open();
    }
    return BUSY_PAUSE_MS;
  }

  private run(mode: 'PASSIVE' | 'RESTART'): Promise<CheckpointResult> {
    return new Promise((resolve, reject) =>
      this.connection.get(`PRAGMA wal_checkpoint(${mode})`, (error: Error | null, row: CheckpointResult) =>
        error ? reject(error) : resolve(row),
      ),
    );
  }
}

function exec(connection: sqlite3.Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => connection.exec(sql, (error) => (error ? reject(error) : resolve())));
}
