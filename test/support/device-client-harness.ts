/**
 * Helpers for the end-to-end tests of `@device-grant-kit/device-client` against real servers:
 * a client clock that moves the server's TestClock, a fetch that records every exchange, the
 * demo app with a configurable polling interval, child scripts, and server-side counts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createDemoApp } from '../../src/demo/create-demo-app.js';
import { DeviceGrantService } from '../../src/grants/device-grant.service.js';
import type { Clock } from '../../src/clock.js';
import { startOnFreshPort, startOnPort } from './held-port.js';
import { tempSqlite, type TestClock } from './test-server.js';

/** The client half of a shared virtual time: `sleep` returns at once after moving the server's clock. */
export interface SharedClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Every sleep the client asked for, in ms. */
  readonly sleeps: number[];
  /** Runs after a sleep moved the time (e.g. to approve at a chosen moment). */
  onSleep?: (ms: number) => void | Promise<void>;
}

export function sharedClock(server: TestClock): SharedClock {
  const clock: SharedClock = {
    now: () => server.now(),
    sleeps: [],
    async sleep(ms, signal) {
      signal?.throwIfAborted();
      clock.sleeps.push(ms);
      server.advance(ms / 1000);
      await clock.onSleep?.(ms);
      await new Promise((resolve) => setImmediate(resolve));
      signal?.throwIfAborted();
    },
  };
  return clock;
}

/** One HTTP exchange the client made. */
export interface Exchange {
  url: string;
  method: string;
  /** The form body, decoded. */
  form: Record<string, string>;
  /** `now()` of the given clock when the request was sent. */
  at: number;
  status?: number;
  /** The OAuth `error` of the response, if any. */
  error?: string;
  /** A network failure (connection refused, reset, timeout). */
  failure?: string;
}

/**
 * A `fetch` that records each exchange (the response body is read from a clone). `before` runs
 * before a request is sent, e.g. to interfere with it or to approve at a chosen poll.
 */
export function recordingFetch(
  now: () => number = Date.now,
  before?: (exchange: Exchange) => void | Promise<void>,
): { fetch: typeof fetch; exchanges: Exchange[]; tokenRequests(grantType?: string): Exchange[] } {
  const exchanges: Exchange[] = [];
  const recorder: typeof fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const body = init?.body;
    const form = typeof body === 'string' ? Object.fromEntries(new URLSearchParams(body)) : {};
    const exchange: Exchange = { url, method: init?.method ?? 'GET', form, at: now() };
    await before?.(exchange);
    exchanges.push(exchange);
    try {
      const response = await fetch(input, init);
      exchange.status = response.status;
      if (response.status >= 400 && (response.headers.get('content-type') ?? '').includes('json')) {
        const json = (await response.clone().json().catch(() => undefined)) as { error?: string } | undefined;
        if (typeof json?.error === 'string') exchange.error = json.error;
      }
      return response;
    } catch (error) {
      exchange.failure = error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? '')}` : String(error);
      throw error;
    }
  };
  return {
    fetch: recorder,
    exchanges,
    tokenRequests: (grantType) =>
      exchanges.filter((e) => e.url.endsWith('/token') && (grantType === undefined || e.form.grant_type === grantType)),
  };
}

/** The demo server in this process, with the options `startServer` does not expose (polling interval). */
export interface DemoServer {
  url: string;
  port: number;
  app: INestApplication;
  grants: DeviceGrantService;
  dataSource: DataSource;
  databaseUrl: string;
  close(): Promise<void>;
}

/**
 * Starts the demo server on a port the kernel picks; `port` is only for a restart at the address of a
 * server this test closed (the device keeps talking to the same URL).
 */
export async function startDemo(
  options: { clock?: Clock; pollingInterval?: number; port?: number; databaseUrl?: string } = {},
): Promise<DemoServer> {
  const temp = options.databaseUrl ? undefined : tempSqlite();
  const databaseUrl = options.databaseUrl ?? temp!.url;
  const build = (issuer: string) =>
    createDemoApp({ issuer, databaseUrl, clock: options.clock, pollingInterval: options.pollingInterval, logger: false });
  const { app, url, port } = options.port === undefined ? await startOnFreshPort(build) : await startOnPort(options.port, build);
  return {
    url,
    port,
    app,
    databaseUrl,
    grants: app.get(DeviceGrantService),
    dataSource: app.get(DataSource),
    close: async () => {
      await app.close();
      temp?.cleanup();
    },
  };
}

/** The refresh tokens of one device grant, as the server stored them (every rotation adds one). */
export async function refreshTokenRows(
  dataSource: DataSource,
  grantId: string,
): Promise<{ id: string; family_id: string; used_at: number | null; revoked_at: number | null }[]> {
  return dataSource.query(
    'SELECT "id", "family_id", "used_at", "revoked_at" FROM "dg_refresh_token" WHERE "grant_id" = $1 ORDER BY "created_at"'.replace(
      '$1',
      dataSource.options.type === 'postgres' ? '$1' : '?',
    ),
    [grantId],
  );
}

/** The stored poll interval of a device grant, in seconds. */
export async function grantInterval(dataSource: DataSource, grantId: string): Promise<number> {
  const rows: { poll_interval: number }[] = await dataSource.query(
    `SELECT "poll_interval" FROM "dg_device_grant" WHERE "id" = ${dataSource.options.type === 'postgres' ? '$1' : '?'}`,
    [grantId],
  );
  return Number(rows[0]?.poll_interval);
}

/** A temporary directory, removed by `cleanup`. */
export function tempDir(prefix = 'dgk-client-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A child Node.js process running a compiled script, with line-oriented output. */
export interface Script {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first stdout line that satisfies `match` (or rejects when the child exits first). */
  line(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or the signal) once the child has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `dist/test/device-client/fixtures/<name>.js` (compiled with the rest of the tests). */
export function runScript(name: string, args: string[], env: Record<string, string> = {}): Script {
  const path = fileURLToPath(new URL(`../device-client/fixtures/${name}.js`, import.meta.url));
  const child = spawn(process.execPath, [path, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk;
    for (const waiter of waiters) waiter();
  });
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      for (const waiter of waiters) waiter();
      resolve({ code, signal });
    }),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    line(match, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching line from ${name} within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`));
        }, timeoutMs);
        const check = (): void => {
          const found = out.split('\n').find((l) => l.length > 0 && match(l));
          if (found !== undefined) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(found);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before the line\nstdout:\n${out}\nstderr:\n${err}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** The JSON object a script printed on the line starting with `tag `. */
export async function scriptMessage<T = Record<string, unknown>>(script: Script, tag: string, timeoutMs?: number): Promise<T> {
  const line = await script.line((l) => l.startsWith(`${tag} `), timeoutMs);
  return JSON.parse(line.slice(tag.length + 1)) as T;
}
