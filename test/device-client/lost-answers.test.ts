// Answers lost on a bad network (issue 19): the server commits, the answer never reaches the device,
// and the device retries. The real device client, through a loopback proxy that holds or drops the
// answer of one request, against the demo server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DeviceClient, MemoryTokenStore } from '@device-grant-kit/device-client';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { get } from '../support/http.js';
import { startServer, type TestServer } from '../support/test-server.js';
import { Visitor } from '../support/visitor.js';

const TIMEOUT = { timeout: 60_000 };
const isRefresh = (body: string) => new URLSearchParams(body).get('grant_type') === 'refresh_token';

describe('a paired device stays paired when an answer is lost', () => {
  let server: TestServer;
  let proxy: FaultProxy;
  before(async () => {
    server = await startServer();
    proxy = await startFaultProxy(server.url);
  });
  after(async () => {
    await proxy.close();
    await server.close();
  });

  /** A device client that talks through the proxy, paired as alice. */
  async function pairedDevice(options: { requestTimeout: number }) {
    const store = new MemoryTokenStore();
    const client = new DeviceClient({
      clientId: 'demo-device',
      scope: 'openid profile offline_access',
      endpoints: { deviceAuthorizationEndpoint: `${proxy.url}/oauth/device_authorization`, tokenEndpoint: `${proxy.url}/oauth/token` },
      store,
      requestTimeout: options.requestTimeout,
      retry: { maxAttempts: 4, baseDelay: 0.1, maxDelay: 1 },
    });
    const pending = await client.start();
    await Visitor.at(server.url).decide(pending.userCode);
    const tokens = await client.poll(pending);
    return { client, store, tokens };
  }

  test('the refresh answer arrives 1.5 s late, after the client gave up at 1 s: the client retries and gets a new pair; still paired', TIMEOUT, async () => {
    const { client, store, tokens } = await pairedDevice({ requestTimeout: 1 });
    const seenBefore = proxy.requests.length;
    let refreshes = 0;
    proxy.decide = (request) => (isRefresh(request.body) && refreshes++ === 0 ? { kind: 'delay', ms: 1_500 } : { kind: 'pass' });
    try {
      const accessToken = await client.getAccessToken({ forceRefresh: true });
      assert.notEqual(accessToken, tokens.accessToken);
      const refreshRequests = proxy.requests.slice(seenBefore).filter((request) => isRefresh(request.body));
      assert.equal(refreshRequests.length, 2, 'the timed-out refresh, and its retry');
      assert.equal(new URLSearchParams(refreshRequests[0].body).get('refresh_token'), new URLSearchParams(refreshRequests[1].body).get('refresh_token'), 'retried with the same token');
      assert.equal((await get(`${server.url}/api/me`, { authorization: `Bearer ${accessToken}` })).status, 200);
      // Still paired: the stored refresh token rotates on.
      assert.ok((await store.load())?.tokens?.refreshToken, 'the store still holds the pairing');
      proxy.decide = () => ({ kind: 'pass' });
      const next = await client.getAccessToken({ forceRefresh: true });
      assert.equal((await get(`${server.url}/api/me`, { authorization: `Bearer ${next}` })).status, 200);
    } finally {
      proxy.decide = () => ({ kind: 'pass' });
    }
  });

  test('the refresh answer is dropped after the server answered: the retry gets a new pair; still paired', TIMEOUT, async () => {
    const { client, tokens } = await pairedDevice({ requestTimeout: 5 });
    let refreshes = 0;
    proxy.decide = (request) => (isRefresh(request.body) && refreshes++ === 0 ? { kind: 'drop' } : { kind: 'pass' });
    try {
      const accessToken = await client.getAccessToken({ forceRefresh: true });
      assert.notEqual(accessToken, tokens.accessToken);
      assert.equal(refreshes, 2);
      assert.equal((await get(`${server.url}/api/me`, { authorization: `Bearer ${accessToken}` })).status, 200);
    } finally {
      proxy.decide = () => ({ kind: 'pass' });
    }
  });
});
