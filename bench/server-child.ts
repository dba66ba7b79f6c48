import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

/** The server kinds the bench starts, each its own script under `servers/`. */
export type ServerKind = 'device-grant' | 'nest-bare' | 'oidc-provider' | 'empty-token-route';

/** Whether `taskset` can pin processes here (it needs the binary and at least two CPUs). */
export function canPin(): boolean {
  const probe = spawnSync('taskset', ['-c', '0', 'true']);
  return probe.status === 0 && (spawnSync('nproc').stdout?.toString().trim() ?? '1') !== '1';
}

/** Pins this process (every thread: the load generator) to one CPU. */
export function pinSelf(cpu: number): boolean {
  return spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(process.pid)]).status === 0;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in bytes, from `/proc/PID/status` (VmRSS), or NaN. */
export function rssOf(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * CPU time a process has used so far, in seconds: user plus system time of all its threads (the
 * SQLite driver's and V8's helper threads too), from `/proc/PID/stat`; NaN where that is not readable.
 */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of proc(5), utime and stime, in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

export interface ChildOptions {
  kind: ServerKind;
  databaseUrl?: string;
  /** CPU to pin the server to (taskset -c); undefined: not pinned. */
  cpu?: number;
}

/** A server running in its own process, driven over IPC. */
export class ServerChild {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.on('message', (message: { id?: number; result?: unknown; error?: string }) => {
      const waiter = message.id === undefined ? undefined : this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id!);
      if (message.error) waiter.reject(new Error(message.error));
      else waiter.resolve(message.result);
    });
    child.on('exit', () => {
      for (const waiter of this.pending.values()) waiter.reject(new Error('server child exited'));
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  static async start(options: ChildOptions): Promise<ServerChild> {
    const port = await freePort();
    // BENCH_NODE_ARGS: extra node flags for the server children, for diagnosis (e.g. --trace-gc).
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const script = join(HERE, 'servers', `${options.kind}.server.js`);
    const [command, args] =
      options.cpu === undefined
        ? [process.execPath, [...nodeArgs, script]]
        : ['taskset', ['-c', String(options.cpu), process.execPath, ...nodeArgs, script]];
    const child = spawn(command, args, {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: {
        ...process.env,
        NODE_ENV: 'production',
        BENCH_SERVER: JSON.stringify({ port, databaseUrl: options.databaseUrl }),
      },
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${options.kind} did not start within 60 s`)), 60_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${options.kind} exited with ${code} before it was ready`));
      });
      child.on('message', (message: { ready?: boolean }) => {
        if (message.ready) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    return new ServerChild(child, `http://127.0.0.1:${port}`);
  }

  call<T = unknown>(type: string, payload?: unknown): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ id, type, payload });
    });
  }

  rss(): number {
    return rssOf(this.pid);
  }

  /** CPU seconds the server process has used so far (see {@link cpuSecondsOf}). */
  cpuSeconds(): number {
    return cpuSecondsOf(this.pid);
  }

  /** Asks the child to close and exit; kills it (by its pid) if it does not within 15 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.call('stop').catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}
