import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { DataSource } from 'typeorm';
import { get } from '../support/http.js';
import { ADAPTERS, startServer, tempSqlite } from '../support/test-server.js';
import { startObservedApp } from './app.module.js';

for (const adapter of ADAPTERS) {
  describe(`GET /health (${adapter})`, () => {
    test('200 {"status":"ok"} while the database answers, 503 {"status":"error"} once it is gone', async () => {
      const server = await startServer({ adapter });
      try {
        const ok = await get(`${server.url}/health`);
        assert.equal(ok.status, 200);
        assert.deepEqual(ok.body, { status: 'ok' });
        assert.match(ok.headers.get('content-type') ?? '', /^application\/json/);
        assert.equal(ok.headers.get('cache-control'), 'no-store');

        await server.app.get(DataSource).destroy();
        const down = await get(`${server.url}/health`);
        assert.equal(down.status, 503);
        assert.deepEqual(down.body, { status: 'error' });
      } finally {
        await server.close();
      }
    });
  });
}

describe('health and metrics routes are configurable; metrics can be turned off', () => {
  const db = tempSqlite();
  after(() => db.cleanup());

  test('custom paths, and metrics: false answers 404 and counts nothing', async () => {
    const { url, app } = await startObservedApp({
      databaseUrl: db.url,
      metrics: false,
      routes: { health: '/internal/healthz', metrics: '/internal/metrics' },
    });
    try {
      assert.deepEqual((await get(`${url}/internal/healthz`)).body, { status: 'ok' });
      assert.equal((await get(`${url}/health`)).status, 404);
      assert.equal((await get(`${url}/internal/metrics`)).status, 404);
      assert.equal((await get(`${url}/metrics`)).status, 404);
    } finally {
      await app.close();
    }
  });
});

describe('health and metrics routes are mounted only when asked for', () => {
  const db = tempSqlite();
  after(() => db.cleanup());

  test('without observability, neither route is mounted and the host\'s own /health answers', async () => {
    const { url, app } = await startObservedApp({ databaseUrl: db.url, observability: {}, hostHealth: true });
    try {
      assert.deepEqual((await get(`${url}/health`)).body, { host: 'ok' });
      assert.equal((await get(`${url}/metrics`)).status, 404);
      assert.equal((await get(`${url}/oauth/jwks`)).status, 200, 'the rest of the module is there');
    } finally {
      await app.close();
    }
  });
});
