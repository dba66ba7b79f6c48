import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { SigningKeyService } from '../../src/tokens/signing-key.service.js';
import { poll, requestDeviceCode } from '../support/device-flow.js';
import { get } from '../support/http.js';
import { startServer, TestClock, type TestServer } from '../support/test-server.js';
import { adminOk } from './admin-cli.js';

describe('signing-key rotation (admin keys ...)', () => {
  const clock = new TestClock();
  let server: TestServer;

  before(async () => {
    server = await startServer({ clock });
  });
  after(() => server.close());

  async function accessToken(): Promise<string> {
    const code = await requestDeviceCode(server.url, { scope: 'openid' });
    await server.grants.approve(code.user_code, 'alice');
    const tokens = await poll(server.url, code.device_code);
    assert.equal(tokens.status, 200, tokens.text);
    return tokens.body.access_token;
  }

  async function verify(token: string) {
    const jwks = (await get(`${server.url}/oauth/jwks`)).body as JSONWebKeySet;
    return jwtVerify(token, createLocalJWKSet(jwks), { issuer: server.url, audience: server.url, currentDate: new Date(clock.now()) });
  }

  test('after keys rotate, old tokens still verify against the JWKS and new tokens carry the new kid', async () => {
    const before = await accessToken();
    const oldKid = decodeProtectedHeader(before).kid;

    const rotated = await adminOk(server.databaseUrl, 'keys', 'rotate', '--json');
    assert.equal(rotated.previous.kid, oldKid);
    assert.notEqual(rotated.current, oldKid);
    assert.equal(rotated.previous.state, 'published');
    assert.ok(rotated.previous.publishedUntil >= rotated.previous.rotatedAt + 24 * 3600 * 1000, 'kept while its tokens may live');

    const kids = ((await get(`${server.url}/oauth/jwks`)).body.keys as { kid: string }[]).map((key) => key.kid);
    assert.deepEqual(kids.sort(), [oldKid, rotated.current].sort(), 'both keys are published at once');

    // Instances re-read the current key within a minute.
    clock.advance(61);
    const after = await accessToken();
    assert.equal(decodeProtectedHeader(after).kid, rotated.current);
    assert.equal((await verify(before)).protectedHeader.kid, oldKid, 'a token of the old key still verifies');
    assert.equal((await verify(after)).protectedHeader.kid, rotated.current);

    const listed = await adminOk(server.databaseUrl, 'keys', 'list');
    assert.match(listed, new RegExp(`${rotated.current}\\s+ES256\\s+current`));
    assert.match(listed, new RegExp(`${oldKid}\\s+ES256\\s+published`));
    assert.doesNotMatch(listed, /"d"|private/i);
  });

  test('once every token of the old key has expired it leaves the JWKS and is retired', async () => {
    const keys = server.app.get(SigningKeyService);
    const rotatedKey = (await keys.list()).find((key) => key.state === 'published')!;
    clock.advance((rotatedKey.publishedUntil! - clock.now()) / 1000 + 1);
    const jwks = (await get(`${server.url}/oauth/jwks`)).body.keys as { kid: string }[];
    assert.ok(!jwks.some((key) => key.kid === rotatedKey.kid), 'no longer published');
    assert.equal((await keys.list()).find((key) => key.kid === rotatedKey.kid)?.state, 'expired');
    assert.deepEqual(await keys.retireExpired(), [rotatedKey.kid]);
    assert.ok(!(await keys.list()).some((key) => key.kid === rotatedKey.kid), 'retired: gone with its private key');
    assert.deepEqual(await keys.retireExpired(), []);
    assert.equal((await accessToken()).split('.').length, 3, 'the current key still signs');
  });
});
