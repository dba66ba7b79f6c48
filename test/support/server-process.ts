import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { TEST_KEY_ENCRYPTION_KEY } from './test-keys.js';

/** The demo server in its own process, as an operator runs it. */
export interface ServerProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the process wrote to stdout and stderr. */
  output(): string;
  /** Resolves with the exit code (null when a signal ended it) and the time of the exit. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Sends a signal and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const MAIN = join(process.cwd(), 'dist', 'src', 'demo', 'main.js');
const PORT_ZERO = join(process.cwd(), 'dist', 'test', 'support', 'listen-on-port-zero.js');
const START_TIMEOUT_MS = 60_000;

/**
 * Starts `node dist/src/demo/main.js` on a port the kernel picks (listen-on-port-zero.ts reports it back)
 * and waits until it answers. `issuer` defaults to its own URL; instances behind one load balancer, or a
 * restarted instance, share one issuer.
 */
export async function startServerProcess(options: {
  databaseUrl: string;
  issuer?: string;
  env?: Record<string, string>;
}): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', PORT_ZERO, MAIN], {
    env: {
      ...process.env,
      ...(options.issuer ? { ISSUER: options.issuer } : {}),
      DATABASE_URL: options.databaseUrl,
      NO_COLOR: '1',
      // These tests issue hundreds of codes from one address to test other things; the rates are
      // tested at their defaults where they are the subject (LIMITS='{}').
      LIMITS: JSON.stringify({ deviceAuthorizationsPerAddress: false, deviceAuthorizationsPerClient: false }),
      // Every instance on one PostgreSQL database needs the same key-encryption key.
      ...(options.databaseUrl.startsWith('postgres') ? { KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY } : {}),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  let timer: NodeJS.Timeout | undefined;
  const port = await Promise.race([
    new Promise<number>((resolve) => child.once('message', (message: { port: number }) => resolve(message.port))),
    exited.then(({ code, signal }) => Promise.reject(new Error(`server exited with ${code ?? signal}:\n${output}`))),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`server did not start within ${START_TIMEOUT_MS / 1000} s:\n${output}`));
      }, START_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    child,
    output: () => output,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return (await exited).code;
    },
  };
}

/**
 * Several demo server processes on one database behind one issuer (a load balancer's). The first runs
 * the migrations; the others start once it is up.
 */
export async function startFleet(count: number, databaseUrl: string, env: Record<string, string> = {}): Promise<ServerProcess[]> {
  const first = await startServerProcess({ databaseUrl, env });
  const others = await Promise.all(Array.from({ length: count - 1 }, () => startServerProcess({ databaseUrl, issuer: first.url, env })));
  return [first, ...others];
}

/** Spreads requests over instances in turn, as a round-robin load balancer does. */
export class RoundRobin {
  private next = 0;
  constructor(private readonly servers: { url: string }[]) {}
  url(): string {
    return this.servers[this.next++ % this.servers.length].url;
  }
}
