import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SignJWT, decodeJwt } from 'jose';
import { get, post } from '../support/http.js';
import { ADAPTERS, startServer, TestClock, type TestServer } from '../support/test-server.js';
import { SigningKeyService } from '../../src/tokens/signing-key.service.js';
import { startResourceServer, type ResourceServer } from './app.module.js';
import { challengeParams, deviceTokens, rawRequest } from './tokens.js';

const API_AUDIENCE_REALM = (issuer: string) => issuer;

for (const adapter of ADAPTERS) {
  describe(`a separate resource server accepts device tokens (${adapter})`, () => {
    const clock = new TestClock();
    let server: TestServer;
    let api: ResourceServer;
    let otherAudience: ResourceServer;

    before(async () => {
      server = await startServer({ adapter, clock });
      // Only the issuer URL: keys and endpoints come from its RFC 8414 metadata.
      api = await startResourceServer(adapter, { issuer: server.url, clock, jwksCooldown: 0 });
      otherAudience = await startResourceServer(adapter, { issuer: server.url, audience: 'https://other-api.example', clock });
    });
    after(async () => {
      await api.close();
      await otherAudience.close();
      await server.close();
    });

    const whoami = (token: string, url = api.url) => get(`${url}/api/whoami`, { authorization: `Bearer ${token}` });

    test('a device token is accepted and its principal is on the request', async () => {
      const tokens = await deviceTokens(server, 'openid profile');
      const answer = await whoami(tokens.access_token);
      assert.equal(answer.status, 200, answer.text);
      const claims = decodeJwt(tokens.access_token);
      assert.deepEqual(answer.body, { sub: 'alice', client_id: 'demo-device', scope: 'openid profile', jti: claims.jti, exp: claims.exp });
      // The scheme name is case-insensitive (RFC 7235 §2.1).
      assert.equal((await get(`${api.url}/api/whoami`, { authorization: `bEARER ${tokens.access_token}` })).status, 200);
    });

    test('no credentials: 401 with a challenge without an error code', async () => {
      for (const headers of [{}, { authorization: 'Basic ZGVtbzpkZW1v' }] as Record<string, string>[]) {
        const answer = await get(`${api.url}/api/whoami`, headers);
        assert.equal(answer.status, 401);
        assert.deepEqual(challengeParams(answer.headers.get('www-authenticate')), { realm: API_AUDIENCE_REALM(server.url) });
      }
    });

    test('malformed, repeated or misplaced credentials: 400 invalid_request', async () => {
      const tokens = await deviceTokens(server, 'openid profile');
      const answers = [
        await get(`${api.url}/api/whoami`, { authorization: 'Bearer' }),
        await get(`${api.url}/api/whoami`, { authorization: 'Bearer not a token' }),
        await get(`${api.url}/api/whoami?access_token=${tokens.access_token}`),
        await get(`${api.url}/api/whoami?access_token=${tokens.access_token}`, { authorization: `Bearer ${tokens.access_token}` }),
        await rawRequest(`${api.url}/api/whoami`, 'GET', [
          'Authorization', `Bearer ${tokens.access_token}`,
          'Authorization', `Bearer ${tokens.access_token}`,
        ]),
        await post(`${api.url}/api/telemetry`, { access_token: tokens.access_token }, { headers: { authorization: `Bearer ${tokens.access_token}` } }),
      ];
      for (const [index, answer] of answers.entries()) {
        assert.equal(answer.status, 400, `#${index}: ${answer.text}`);
        assert.ok(answer.headers.get('www-authenticate'), `#${index}: ${[...answer.headers.keys()]}`);
        assert.equal(challengeParams(answer.headers.get('www-authenticate')).error, 'invalid_request');
        assert.equal(answer.body.error, 'invalid_request');
      }
    });

    test('a token for another audience is invalid_token', async () => {
      const tokens = await deviceTokens(server, 'openid profile');
      const answer = await whoami(tokens.access_token, otherAudience.url);
      assertInvalidToken(answer, /audience/);
    });

    test('an expired token is invalid_token; a few seconds of clock skew are tolerated', async () => {
      const tokens = await deviceTokens(server, 'openid profile');
      clock.advance(600 + 10);
      assert.equal((await whoami(tokens.access_token)).status, 200, 'within the 30 s leeway');
      clock.advance(30);
      assertInvalidToken(await whoami(tokens.access_token), /expired/);
    });

    test('a tampered token is invalid_token', async () => {
      const tokens = await deviceTokens(server, 'openid profile');
      const [header, payload, signature] = tokens.access_token.split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'mallory' })).toString('base64url');
      assertInvalidToken(await whoami(`${header}.${forged}.${signature}`), /signature/);
      const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA');
      assertInvalidToken(await whoami(`${header}.${payload}.${flipped}`));
    });

    test('alg none is invalid_token', async () => {
      const tokens = await deviceTokens(server, 'openid profile');
      const payload = tokens.access_token.split('.')[1];
      const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url');
      assertInvalidToken(await whoami(`${none}.${payload}.`));
    });

    test('a JWT signed with the right key but without typ at+jwt is invalid_token (an ID token is no access token)', async () => {
      const key = await server.app.get(SigningKeyService).current();
      const now = Math.floor(clock.now() / 1000);
      const sign = (typ: string | undefined) =>
        new SignJWT({ client_id: 'demo-device', scope: 'openid profile' })
          .setProtectedHeader(typ ? { alg: key.alg, kid: key.kid, typ } : { alg: key.alg, kid: key.kid })
          .setIssuer(server.url)
          .setAudience(server.url)
          .setSubject('alice')
          .setIssuedAt(now)
          .setExpirationTime(now + 300)
          .setJti(crypto.randomUUID())
          .sign(key.privateKey);
      assertInvalidToken(await whoami(await sign('JWT')), /typ/);
      assertInvalidToken(await whoami(await sign(undefined)), /typ/);
      assert.equal((await whoami(await sign('application/at+jwt'))).status, 200, 'the long media type is the same type');
    });

    test('a token from another issuer is invalid_token', async () => {
      const key = await server.app.get(SigningKeyService).current();
      const now = Math.floor(clock.now() / 1000);
      const token = await new SignJWT({ client_id: 'demo-device' })
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
        .setIssuer(`${server.url}/`)
        .setAudience(server.url)
        .setSubject('alice')
        .setIssuedAt(now)
        .setExpirationTime(now + 300)
        .setJti(crypto.randomUUID())
        .sign(key.privateKey);
      assertInvalidToken(await whoami(token), /issuer/);
    });

    test('a missing scope is 403 insufficient_scope naming the scope needed', async () => {
      const tokens = await deviceTokens(server, 'openid profile');
      const answer = await post(`${api.url}/api/telemetry`, '{}', {
        headers: { authorization: `Bearer ${tokens.access_token}` },
        contentType: 'application/json',
      });
      assert.equal(answer.status, 403, answer.text);
      const params = challengeParams(answer.headers.get('www-authenticate'));
      assert.equal(params.error, 'insufficient_scope');
      assert.equal(params.scope, 'telemetry:write');
      assert.equal(answer.body.error, 'insufficient_scope');

      const allowed = await deviceTokens(server, 'telemetry:write');
      const accepted = await post(`${api.url}/api/telemetry`, '{}', {
        headers: { authorization: `Bearer ${allowed.access_token}` },
        contentType: 'application/json',
      });
      assert.equal(accepted.status, 202, accepted.text);
    });

    test('a key rotation is picked up without a restart, and tokens of the old key stay valid', async () => {
      const before = await deviceTokens(server, 'openid profile');
      assert.equal((await whoami(before.access_token)).status, 200, 'the key set is now cached');
      const oldKid = decodeJwtHeaderKid(before.access_token);
      const newKid = await server.app.get(SigningKeyService).rotate();
      assert.notEqual(newKid, oldKid);
      const afterRotation = await deviceTokens(server, 'openid profile');
      assert.equal(decodeJwtHeaderKid(afterRotation.access_token), newKid);
      assert.equal((await whoami(afterRotation.access_token)).status, 200, 'the unknown kid made the guard fetch the keys again');
      assert.equal((await whoami(before.access_token)).status, 200, 'the old key is still published');
    });

    test("the demo server's own /api/me and /api/telemetry", async () => {
      const profile = await deviceTokens(server, 'openid profile');
      const me = await get(`${server.url}/api/me`, { authorization: `Bearer ${profile.access_token}` });
      assert.equal(me.status, 200, me.text);
      assert.deepEqual(me.body, { sub: 'alice', client_id: 'demo-device', scope: 'openid profile' });
      const refused = await post(`${server.url}/api/telemetry`, '{"t":21.5}', {
        headers: { authorization: `Bearer ${profile.access_token}` },
        contentType: 'application/json',
      });
      assert.equal(refused.status, 403);
      assert.equal(challengeParams(refused.headers.get('www-authenticate')).scope, 'telemetry:write');

      const telemetry = await deviceTokens(server, 'telemetry:write');
      assert.equal((await get(`${server.url}/api/me`, { authorization: `Bearer ${telemetry.access_token}` })).status, 403);
      const sent = await post(`${server.url}/api/telemetry`, '{"t":21.5}', {
        headers: { authorization: `Bearer ${telemetry.access_token}` },
        contentType: 'application/json',
      });
      assert.equal(sent.status, 202, sent.text);
      const anonymous = await get(`${server.url}/api/me`);
      assert.equal(anonymous.status, 401);
      assert.equal(challengeParams(anonymous.headers.get('www-authenticate')).error, undefined);
    });
  });
}

function decodeJwtHeaderKid(token: string): string {
  return JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid;
}

function assertInvalidToken(answer: { status: number; headers: Headers; body: any; text: string }, description?: RegExp): void {
  assert.equal(answer.status, 401, answer.text);
  const params = challengeParams(answer.headers.get('www-authenticate'));
  assert.equal(params.error, 'invalid_token');
  assert.equal(answer.body.error, 'invalid_token');
  if (description) assert.match(params.error_description, description);
}
