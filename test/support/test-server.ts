import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { createDemoApp } from '../../src/demo/create-demo-app.js';
import { DeviceGrantService } from '../../src/grants/device-grant.service.js';
import type { Clock } from '../../src/clock.js';
import type { LimitsOptions } from '../../src/limits/limits.options.js';
import type { KeyEncryptionOptions } from '../../src/crypto/key-encryption.js';
import { TEST_KEY_ENCRYPTION_KEY, TEST_METRICS_TOKEN } from './test-keys.js';
import { startOnFreshPort, startOnPort } from './held-port.js';

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

/** A fresh SQLite file in a temporary directory, removed by `cleanup`. */
export function tempSqlite(): { url: string; dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'dgk-'));
  return { url: `sqlite:${join(dir, 'test.sqlite')}`, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The demo server on a real database (a fresh SQLite file unless one is given) and on a port the kernel
 * picks. `port` is only for a restart at the same address (same issuer) after `close()`: the port is
 * free again only because this test closed the server that held it.
 */
export async function startServer(
  options: {
    adapter?: AdapterName;
    databaseUrl?: string;
    clock?: Clock;
    port?: number;
    limits?: LimitsOptions;
    trustProxy?: boolean;
    keyEncryption?: KeyEncryptionOptions;
    metricsToken?: string;
  } = {},
): Promise<TestServer> {
  const temp = options.databaseUrl ? undefined : tempSqlite();
  const databaseUrl = options.databaseUrl ?? temp!.url;
  // PostgreSQL needs a key-encryption key shared by every instance; an SQLite file generates its own.
  const keyEncryption = options.keyEncryption ?? (databaseUrl.startsWith('postgres') ? { key: TEST_KEY_ENCRYPTION_KEY } : undefined);
  const build = (issuer: string) =>
    createDemoApp({
      issuer,
      databaseUrl,
      clock: options.clock,
      adapter: options.adapter,
      limits: options.limits,
      trustProxy: options.trustProxy,
      keyEncryption,
      metricsToken: options.metricsToken ?? TEST_METRICS_TOKEN,
      logger: false,
    });
  const { app, url } = options.port === undefined ? await startOnFreshPort(build) : await startOnPort(options.port, build);
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
