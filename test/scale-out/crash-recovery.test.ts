import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { deviceCodeKey } from '../../src/device-authorization/device-code.js';
import { buildDataSourceOptions } from '../../src/persistence/data-source-options.js';
import { DeviceGrantEntity } from '../../src/persistence/entities/index.js';
import { poll, requestDeviceCode } from '../support/device-flow.js';
import type { Answer } from '../support/http.js';
import { createPostgresDatabase } from '../support/postgres.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { tempSqlite } from '../support/test-server.js';
import { Visitor } from '../support/visitor.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads grant states straight from the database, as an operator would after a crash. */
async function grantStates(databaseUrl: string, deviceCodes: string[]): Promise<Map<string, string>> {
  const dataSource = new DataSource(buildDataSourceOptions({ url: databaseUrl, migrationsRun: false }));
  await dataSource.initialize();
  try {
    const rows = await dataSource.getRepository(DeviceGrantEntity).find();
    const byHash = new Map(rows.map((row) => [row.deviceCodeHash, row.status]));
    return new Map(deviceCodes.map((code) => [code, byHash.get(deviceCodeKey(code)) ?? 'missing']));
  } finally {
    await dataSource.destroy();
  }
}

/** Runs the scenario; whatever fails, every server process it started is killed (a failed step must not leave one running). */
async function crashMidFlow(databaseUrl: string, report: (message: string) => void): Promise<void> {
  const started: ServerProcess[] = [];
  try {
    await crashMidFlowSteps(databaseUrl, report, started);
  } finally {
    await Promise.all(started.map((server) => server.stop('SIGKILL')));
  }
}

async function crashMidFlowSteps(databaseUrl: string, report: (message: string) => void, started: ServerProcess[]): Promise<void> {
  const track = (server: ServerProcess) => (started.push(server), server);
  let server = track(await startServerProcess({ databaseUrl, env: { POLLING_INTERVAL: '1' } }));
  const issuer = server.url;
  const pending = await Promise.all(Array.from({ length: 20 }, () => requestDeviceCode(server.url)));
  const approved = await Promise.all(Array.from({ length: 40 }, () => requestDeviceCode(server.url)));
  const visitor = new Visitor(() => server.url); // follows the server to its restarted process
  for (const code of approved) await visitor.decide(code.user_code);

  // Devices redeem their approved grants, four requests in flight at a time; the server is killed
  // with SIGKILL right after the fifth token response, with requests still in flight and grants
  // not yet redeemed.
  const issuedBefore = new Set<string>();
  let killed = false;
  let kill!: () => void;
  const killNow = new Promise<void>((resolve) => (kill = resolve));
  const queue = [...approved];
  const device = async () => {
    for (let code = queue.shift(); code && !killed; code = queue.shift()) {
      const answer = await poll(server.url, code.device_code).catch(() => undefined);
      if (answer?.status === 200) {
        issuedBefore.add(code.device_code);
        if (issuedBefore.size === 5) kill();
      }
    }
  };
  const devices = Array.from({ length: 4 }, device);
  await Promise.race([killNow, sleep(10_000)]); // a bound, not a wait: the kill comes after the fifth token
  killed = true;
  await server.stop('SIGKILL');
  await Promise.all(devices);
  assert.ok(issuedBefore.size >= 5, 'tokens went out before the kill');

  const states = await grantStates(databaseUrl, [...pending, ...approved].map((code) => code.device_code));
  const redeemed = approved.filter((code) => states.get(code.device_code) === 'redeemed').length;
  assert.ok(redeemed < approved.length, 'some approved grants were not redeemed yet');
  report(`before the kill: ${issuedBefore.size} token responses delivered, ${redeemed} grants redeemed, ${approved.length - redeemed} still approved`);
  for (const code of pending) assert.equal(states.get(code.device_code), 'pending', 'a pending grant survived');
  for (const code of approved) {
    const state = states.get(code.device_code)!;
    assert.ok(['approved', 'redeemed'].includes(state), `approved grant is ${state}`);
    if (issuedBefore.has(code.device_code)) assert.equal(state, 'redeemed', 'a token handed out was recorded');
  }

  // The restarted process listens on a new port under the same issuer (as behind a load balancer).
  server = track(await startServerProcess({ databaseUrl, issuer, env: { POLLING_INTERVAL: '1' } }));
  try {
    // Polled again within the interval: an approved grant still answers with its tokens at once.
    for (const code of approved) {
      const answer = await poll(server.url, code.device_code);
      if (states.get(code.device_code) === 'approved') {
        assert.equal(answer.status, 200, `approved but unredeemed grant completes after restart: ${answer.text}`);
      } else {
        assert.equal(answer.status, 400);
        assert.equal(answer.body.error, 'invalid_grant', 'nothing is issued twice');
      }
    }
    for (const code of pending) {
      const answer = await poll(server.url, code.device_code);
      assert.equal(answer.body.error, 'authorization_pending');
    }
    await visitor.decide(pending[0].user_code); // the visitor's session still works on the new process
    const late = await poll(server.url, pending[0].device_code);
    assert.equal(late.status, 200, late.text);
  } finally {
    await server.stop();
  }
}

describe('a server killed with SIGKILL in the middle of a flow', () => {
  test('on SQLite: pending and approved-but-unredeemed grants survive and complete; nothing is issued twice', async (t) => {
    const db = tempSqlite();
    try {
      await crashMidFlow(db.url, (message) => t.diagnostic(message));
    } finally {
      db.cleanup();
    }
  });

  test('on PostgreSQL: the same', async (t) => {
    const database = await createPostgresDatabase();
    if ('skip' in database) return t.skip(database.skip);
    try {
      await crashMidFlow(database.url, (message) => t.diagnostic(message));
    } finally {
      await database.drop();
    }
  });
});
