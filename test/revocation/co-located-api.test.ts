// Revocation reaches the demo's own API (the resource guard beside the authorization server) within a
// second: on one server with an injected clock, and on two server processes sharing PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { poll, requestDeviceCode } from '../support/device-flow.js';
import { get, post } from '../support/http.js';
import { createPostgresDatabase } from '../support/postgres.js';
import { startFleet, type ServerProcess } from '../support/server-process.js';
import { startServer, TestClock, type TestServer } from '../support/test-server.js';
import { Visitor } from '../support/visitor.js';

const TIMEOUT = { timeout: 60_000 };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const me = (url: string, token: string) => get(`${url}/api/me`, { authorization: `Bearer ${token}` });

/** A paired device through the pages of `pagesUrl`: its tokens and the visitor who approved it. */
async function pair(pagesUrl: string, pollUrl = pagesUrl, deviceName = 'Hall TV') {
  const visitor = Visitor.at(pagesUrl);
  const code = await requestDeviceCode(pagesUrl, { scope: 'openid profile offline_access', device_name: deviceName });
  await visitor.decide(code.user_code);
  const tokens = await poll(pollUrl, code.device_code);
  assert.equal(tokens.status, 200, tokens.text);
  return { visitor, accessToken: tokens.body.access_token as string, refreshToken: tokens.body.refresh_token as string };
}

/** Disconnects the device named `deviceName` on the devices page. */
async function disconnect(visitor: Visitor, deviceName: string): Promise<void> {
  const page = await visitor.request('/devices');
  const grantId = new RegExp(`${deviceName}[\\s\\S]*?name="grant_id" value="([^"]+)"`).exec(page.text)?.[1];
  assert.ok(grantId, page.text.slice(0, 500));
  const done = await visitor.request('/devices', { csrf: Visitor.csrf(page.text), grant_id: grantId });
  assert.equal(done.status, 200);
}

describe('revocation reaches the co-located API within a second (one server, injected clock)', () => {
  const clock = new TestClock();
  let server: TestServer;
  before(async () => (server = await startServer({ clock })));
  after(() => server.close());

  test('POST /oauth/revoke of an access token: 401 from /api/me once a second has passed', TIMEOUT, async () => {
    const { accessToken } = await pair(server.url);
    assert.equal((await me(server.url, accessToken)).status, 200);
    const revoked = await post(`${server.url}/oauth/revoke`, { token: accessToken, client_id: 'demo-device' });
    assert.equal(revoked.status, 200);
    clock.advance(1.1);
    const refused = await me(server.url, accessToken);
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  });

  test('disconnecting on /devices: the device\'s access token gets 401 once a second has passed; another device\'s still works', TIMEOUT, async () => {
    const kept = await pair(server.url, server.url, 'Kitchen radio');
    const gone = await pair(server.url, server.url, 'Garage door');
    for (const token of [kept.accessToken, gone.accessToken]) assert.equal((await me(server.url, token)).status, 200);
    await disconnect(gone.visitor, 'Garage door');
    clock.advance(1.1);
    assert.equal((await me(server.url, gone.accessToken)).status, 401);
    assert.equal((await me(server.url, kept.accessToken)).status, 200);
  });
});

const database = await createPostgresDatabase();
describe('revocation reaches the co-located API on two instances sharing PostgreSQL', { skip: 'skip' in database ? database.skip : false }, () => {
  let fleet: ServerProcess[] = [];
  before(async () => {
    if ('skip' in database) return;
    fleet = await startFleet(2, database.url);
  });
  after(async () => {
    await Promise.all(fleet.map((server) => server.stop()));
    if (!('skip' in database)) await database.drop();
  });

  test('revoked on one instance: 401 on both within a second', TIMEOUT, async () => {
    if ('skip' in database) return;
    const { accessToken } = await pair(fleet[0].url, fleet[1].url);
    for (const server of fleet) assert.equal((await me(server.url, accessToken)).status, 200, 'accepted on both first (and remembered)');
    assert.equal((await post(`${fleet[0].url}/oauth/revoke`, { token: accessToken, client_id: 'demo-device' })).status, 200);
    await sleep(1_100);
    for (const server of fleet) assert.equal((await me(server.url, accessToken)).status, 401, `refused on ${server.url}`);
  });

  test('disconnected on one instance\'s devices page: 401 on both within a second', TIMEOUT, async () => {
    if ('skip' in database) return;
    const { visitor, accessToken } = await pair(fleet[1].url, fleet[0].url, 'Porch camera');
    for (const server of fleet) assert.equal((await me(server.url, accessToken)).status, 200);
    await disconnect(visitor, 'Porch camera');
    await sleep(1_100);
    for (const server of fleet) assert.equal((await me(server.url, accessToken)).status, 401, `refused on ${server.url}`);
  });
});
