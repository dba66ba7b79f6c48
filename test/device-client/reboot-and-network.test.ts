/**
 * `@device-grant-kit/device-client` against the demo server on real time (a 1 s polling interval):
 * a device process that "reboots" (a new process resumes the stored pending grant) and a server
 * that goes away in the middle of polling and comes back on the same port and the same database.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DeviceClient, FileTokenStore, type PendingAuthorization } from '@device-grant-kit/device-client';
import {
  recordingFetch,
  runScript,
  scriptMessage,
  startDemo,
  tempDir,
  type DemoServer,
} from '../support/device-client-harness.js';
import { tempSqlite } from '../support/test-server.js';

const CLIENT_ID = 'demo-device';
const SCOPE = 'openid profile offline_access';
const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

async function until(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('device-client: resume after a reboot, in a new process', () => {
  let server: DemoServer;
  const temp = tempDir();

  before(async () => {
    server = await startDemo({ pollingInterval: 1 });
  });
  after(async () => {
    await server.close();
    temp.cleanup();
  });

  test('a new client process picks up the stored pending grant from the file store, shows the same code and completes it', async () => {
    const path = join(temp.dir, 'tokens.json');
    const record = recordingFetch();
    const first = new DeviceClient({ issuer: server.url, clientId: CLIENT_ID, scope: SCOPE, store: new FileTokenStore(path), fetch: record.fetch });
    const pending = await first.start();
    assert.equal(pending.interval, 1);

    // The device polls once, then loses power while the person is approving.
    const power = new AbortController();
    const polling = first.poll(pending, { signal: power.signal });
    await until(() => record.tokenRequests(DEVICE_CODE_GRANT).some((e) => e.error === 'authorization_pending'), 'a first poll');
    power.abort(new Error('power loss'));
    await assert.rejects(polling, /power loss/);

    // After the reboot: a new process, the same store file.
    const rebooted = runScript('resume-login', [path, server.url]);
    try {
      const prompt = await scriptMessage<{ resumed: boolean; userCode: string; interval: number; expiresAt: number; requestedAt: number; pid: number }>(
        rebooted,
        'prompt',
      );
      assert.notEqual(prompt.pid, process.pid);
      assert.equal(prompt.resumed, true, 'the stored authorization was resumed, not a new one started');
      assert.equal(prompt.userCode, pending.userCode, 'the device shows the same code');
      assert.equal(prompt.expiresAt, pending.expiresAt, 'with the same deadline');
      assert.equal(prompt.requestedAt, pending.requestedAt);
      assert.equal(prompt.interval, pending.interval);

      // The person finishes approving the code they saw before the reboot.
      const grant = await server.grants.approve(pending.userCode, 'alice');
      const done = await scriptMessage<{ scope: string; refresh: boolean }>(rebooted, 'tokens');
      assert.deepEqual(done, { scope: SCOPE, refresh: true });
      assert.deepEqual(await rebooted.exited, { code: 0, signal: null });

      const state = await new FileTokenStore(path).load();
      assert.ok(state?.tokens?.accessToken);
      assert.equal(state.pending, undefined);
      // One grant on the server, redeemed by the rebooted process (no second device authorization).
      const rows: { id: string; status: string }[] = await server.dataSource.query('SELECT "id", "status" FROM "dg_device_grant"');
      assert.deepEqual(rows, [{ id: grant.id, status: 'redeemed' }]);

      // The tokens the other process stored are usable here.
      const after = new DeviceClient({ issuer: server.url, clientId: CLIENT_ID, store: new FileTokenStore(path) });
      const me = await after.fetchWithToken(`${server.url}/api/me`);
      assert.equal(me.status, 200);
    } finally {
      rebooted.child.kill('SIGKILL');
    }
  });
});

describe('device-client: the server goes away in the middle of polling', () => {
  test('server stopped (connection refused) and restarted on the same port and SQLite file: polling recovers within the deadline', async () => {
    const database = tempSqlite();
    let server: DemoServer | undefined = await startDemo({ databaseUrl: database.url, pollingInterval: 1 });
    // The restart below takes this port again: a server coming back at the address the device knows is
    // what this test is about.
    const port = server.port;
    try {
      const record = recordingFetch();
      const client = new DeviceClient({
        issuer: server.url,
        clientId: CLIENT_ID,
        scope: SCOPE,
        fetch: record.fetch,
        requestTimeout: 3,
        retry: { maxAttempts: 4, baseDelay: 0.2, maxDelay: 2 },
      });
      const pending: PendingAuthorization = await client.start();
      const polling = client.poll(pending);
      polling.catch(() => undefined);
      const polls = (): ReturnType<typeof record.tokenRequests> => record.tokenRequests(DEVICE_CODE_GRANT);

      await until(() => polls().some((e) => e.error === 'authorization_pending'), 'a first pending poll');
      await server.close();
      server = undefined;
      await until(() => polls().filter((e) => e.failure).length >= 2, 'two refused polls');

      server = await startDemo({ port, databaseUrl: database.url, pollingInterval: 1 });
      await server.grants.approve(pending.userCode, 'alice');
      const tokens = await polling;

      assert.ok(tokens.accessToken);
      assert.ok(Date.now() < pending.expiresAt, 'within the deadline');
      const outcomes = polls().map((e) => e.error ?? (e.failure ? 'refused' : e.status));
      assert.equal(outcomes[0], 'authorization_pending');
      assert.equal(outcomes.at(-1), 200);
      assert.ok(outcomes.filter((o) => o === 'refused').length >= 2, `retried while the server was down: ${outcomes.join(', ')}`);
      assert.ok(!outcomes.includes('slow_down'), `never too fast for the server: ${outcomes.join(', ')}`);
      const times = polls().map((e) => e.at);
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      assert.ok(gaps.every((gap) => gap >= 950), `no retry sooner than the interval: ${gaps.join(', ')} ms`);

      const me = await client.fetchWithToken(`${server.url}/api/me`);
      assert.equal(me.status, 200);
    } finally {
      await server?.close();
      database.cleanup();
    }
  });
});
