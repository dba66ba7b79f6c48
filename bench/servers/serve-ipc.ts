import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

/** A request from the orchestrator to a server child. */
export interface IpcRequest {
  id: number;
  type: string;
  payload?: unknown;
}

export type IpcHandlers = Record<string, (payload: any) => unknown | Promise<unknown>>;

/**
 * The child side of the orchestrator protocol: announces `{ ready, port }`, answers each request by
 * id, and on `stop` closes the server and exits normally (so `--cpu-prof` writes its profile).
 */
export function serveIpc(port: number, handlers: IpcHandlers, close: () => Promise<void>): void {
  if (!process.send) throw new Error('bench servers run as children of bench/run.js (IPC channel missing)');
  process.on('message', async (message: IpcRequest) => {
    if (message.type === 'stop') {
      await close().catch(() => undefined);
      process.send!({ id: message.id, result: null }, () => process.exit(0));
      return;
    }
    try {
      const handler = { ...profilerHandlers, ...handlers }[message.type];
      if (!handler) throw new Error(`unknown request ${message.type}`);
      const result = await handler(message.payload);
      process.send!({ id: message.id, result });
    } catch (error) {
      process.send!({ id: message.id, error: (error as Error).stack ?? String(error) });
    }
  });
  // The orchestrator went away (crashed or interrupted): do not linger as an orphan server.
  process.on('disconnect', () => process.exit(1));
  process.send({ ready: true, port });
}

/** Settings the orchestrator passes in `BENCH_SERVER` (JSON). */
export interface ServerSettings {
  port: number;
  databaseUrl?: string;
}

export function readSettings(): ServerSettings {
  return JSON.parse(process.env.BENCH_SERVER ?? '{}') as ServerSettings;
}

/** Monotonic nanoseconds as a string (CLOCK_MONOTONIC is shared by every process on the machine). */
export function monotonicNs(): string {
  return process.hrtime.bigint().toString();
}

/**
 * V8 CPU profiling of the measured window only (not start-up or seeding), through the inspector:
 * `profileStart`, then `profileStop` with the file to write (a `.cpuprofile` for DevTools or
 * `bench/profile-top.js`).
 */
const session = new Session();
const post = (method: string, params?: object) =>
  new Promise<any>((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))));
const profilerHandlers: IpcHandlers = {
  profileStart: async () => {
    session.connect();
    await post('Profiler.enable');
    await post('Profiler.setSamplingInterval', { interval: 200 });
    await post('Profiler.start');
  },
  profileStop: async ({ file }: { file: string }) => {
    const { profile } = await post('Profiler.stop');
    session.disconnect();
    writeFileSync(file, JSON.stringify(profile));
  },
};
