import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { createDemoApp } from '../../src/demo/create-demo-app.js';
import { DeviceGrantService } from '../../src/grants/device-grant.service.js';
import type { Clock } from '../../src/clock.js';

export type AdapterName = 'fastify' | 'express';
export const ADAPTERS: AdapterName[] = ['fastify', 'express'];

/** A clock the test moves by hand: expiry and intervals without sleeping. */
export class TestClock implements Clock {
  constructor(private current = Date.now()) {}
  now(): number {
    return this.current;
  }
  advance(seconds: number): void {
    this.current += seconds * 1000;
  }
}

export interface TestServer {
  url: string;
  app: INestApplication;
  grants: DeviceGrantService;
  databaseUrl: string;
  close(): Promise<void>;
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A fresh SQLite file in a temporary directory, removed by `cleanup`. */
export function tempSqlite(): { url: string; dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'dgk-'));
  return { url: `sqlite:${join(dir, 'test.sqlite')}`, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The demo server on a real port and a real database (a fresh SQLite file unless one is given). */
export async function startServer(
  options: { adapter?: AdapterName; databaseUrl?: string; clock?: Clock; port?: number } = {},
): Promise<TestServer> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const temp = options.databaseUrl ? undefined : tempSqlite();
  const databaseUrl = options.databaseUrl ?? temp!.url;
  const app = await createDemoApp({ issuer: url, databaseUrl, clock: options.clock, adapter: options.adapter, logger: false });
  await app.listen(port, '127.0.0.1');
  return {
    url,
    app,
    databaseUrl,
    grants: app.get(DeviceGrantService),
    close: async () => {
      await app.close();
      temp?.cleanup();
    },
  };
}
