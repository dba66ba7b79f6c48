import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { requestDeviceCode, poll, refresh, PUBLIC_CLIENT, CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET } from '../support/device-flow.js';
import { basic, get, post } from '../support/http.js';
import { assertNoStore, assertOAuthError } from '../support/oauth-assertions.js';
import { ADAPTERS, startServer, tempSqlite, TestClock, type TestServer } from '../support/test-server.js';
import { DEVICE_CODE_GRANT_TYPE } from '../../src/constants.js';

for (const adapter of ADAPTERS) {
  describe(`device flow end to end (${adapter})`, () => {
    const clock = new TestClock();
    let server: TestServer;

    before(async () => {
      server = await startServer({ adapter, clock });
    });
    after(() => server.close());

    test('request, pending, approve, token, refresh, and reuse of a rotated refresh token revokes the family', async () => {
      const code = await requestDeviceCode(server.url, { device_name: 'Living room TV', device_model: 'TV-1' });
      assert.match(code.device_code, /^[A-Za-z0-9_-]{43}$/, 'device code carries 256 bits');
      assert.match(code.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
      assert.equal(code.verification_uri, `${server.url}/activate`);
      assert.equal(code.verification_uri_complete, `${server.url}/activate?user_code=${code.user_code}`);
      assert.equal(code.expires_in, 600);
      assert.equal(code.interval, 5);

      assertOAuthError(await poll(server.url, code.device_code), 'authorization_pending');
      clock.advance(5);
      const grant = await server.grants.approve(code.user_code.toLowerCase().replace('-', ' '), 'alice');
      assert.equal(grant.deviceName, 'Living room TV');
      const tokens = await poll(server.url, code.device_code);
      assert.equal(tokens.status, 200, tokens.text);
      assertNoStore(tokens);
      assert.equal(tokens.body.token_type, 'Bearer');
      assert.equal(tokens.body.expires_in, 600);
      assert.equal(tokens.body.scope, 'openid offline_access');
      assert.match(tokens.body.refresh_token, /^[A-Za-z0-9_-]{43}$/);

      clock.advance(5);
      assertOAuthError(await poll(server.url, code.device_code), 'invalid_grant');

      const first = await refresh(server.url, tokens.body.refresh_token);
      assert.equal(first.status, 200, first.text);
      assert.notEqual(first.body.refresh_token, tokens.body.refresh_token, 'the refresh token rotates');
      assert.notEqual(first.body.access_token, tokens.body.access_token);

      const narrowed = await refresh(server.url, first.body.refresh_token, { scope: 'openid' });
      assert.equal(narrowed.status, 200, narrowed.text);
      assert.equal(narrowed.body.scope, 'openid');

      // The first refresh token was rotated: presenting it again is a replay and kills the family.
      assertOAuthError(await refresh(server.url, tokens.body.refresh_token), 'invalid_grant');
      assertOAuthError(await refresh(server.url, narrowed.body.refresh_token), 'invalid_grant');
    });

    test('a refresh asking for more scope than granted is invalid_scope and keeps the token usable', async () => {
      const code = await requestDeviceCode(server.url, { scope: 'openid offline_access' });
      await server.grants.approve(code.user_code, 'alice');
      const tokens = await poll(server.url, code.device_code);
      assertOAuthError(await refresh(server.url, tokens.body.refresh_token, { scope: 'openid telemetry:write' }), 'invalid_scope');
      assert.equal((await refresh(server.url, tokens.body.refresh_token)).status, 200);
    });

    test('no refresh token without offline_access', async () => {
      const code = await requestDeviceCode(server.url, { scope: 'openid' });
      await server.grants.approve(code.user_code, 'alice');
      const tokens = await poll(server.url, code.device_code);
      assert.equal(tokens.status, 200);
      assert.equal(tokens.body.refresh_token, undefined);
    });

    test('slow_down grows the interval by 5 s and keeps it; a device following the interval never gets it', async () => {
      const code = await requestDeviceCode(server.url);
      assertOAuthError(await poll(server.url, code.device_code), 'authorization_pending');
      clock.advance(2);
      assertOAuthError(await poll(server.url, code.device_code), 'slow_down');
      clock.advance(5); // 5 s since the last poll, but the interval is now 10 s
      assertOAuthError(await poll(server.url, code.device_code), 'slow_down');
      clock.advance(15); // interval is now 15 s
      assertOAuthError(await poll(server.url, code.device_code), 'authorization_pending');
      for (let i = 0; i < 5; i++) {
        clock.advance(15);
        assertOAuthError(await poll(server.url, code.device_code), 'authorization_pending');
      }
    });

    test('slow_down stops growing at maxPollingInterval (60 s): 30 too-early polls, then a device that waits 60 s is answered', async () => {
      const code = await requestDeviceCode(server.url);
      assertOAuthError(await poll(server.url, code.device_code), 'authorization_pending');
      let said = '';
      for (let i = 0; i < 30; i++) {
        clock.advance(1);
        const slow = await poll(server.url, code.device_code);
        assertOAuthError(slow, 'slow_down');
        said = slow.body.error_description;
      }
      // Uncapped, 30 slow_downs would ask for 155 s.
      assert.match(said, /wait at least 60 seconds/);
      clock.advance(60);
      assertOAuthError(await poll(server.url, code.device_code), 'authorization_pending');
    });

    test('a device polling too fast still gets the decision at once: tokens once approved, access_denied once denied', async () => {
      const approved = await requestDeviceCode(server.url);
      const denied = await requestDeviceCode(server.url);
      for (const code of [approved, denied]) {
        assertOAuthError(await poll(server.url, code.device_code), 'authorization_pending');
        clock.advance(1);
        const slow = await poll(server.url, code.device_code);
        assertOAuthError(slow, 'slow_down');
        assert.match(slow.body.error_description, /wait at least 10 seconds/);
      }
      // Still inside the grown interval (the server remembers these devices were told to slow down),
      // the next too-fast poll grows the interval again and says so.
      clock.advance(1);
      const again = await poll(server.url, approved.device_code);
      assertOAuthError(again, 'slow_down');
      assert.match(again.body.error_description, /wait at least 15 seconds/);
      await server.grants.approve(approved.user_code, 'alice');
      await server.grants.deny(denied.user_code);
      clock.advance(1);
      const tokens = await poll(server.url, approved.device_code);
      assert.equal(tokens.status, 200, tokens.text);
      assertOAuthError(await poll(server.url, denied.device_code), 'access_denied');
    });

    test('expired_token after expires_in, also once approved', async () => {
      const pending = await requestDeviceCode(server.url);
      const approved = await requestDeviceCode(server.url);
      await server.grants.approve(approved.user_code, 'alice');
      clock.advance(600);
      assertOAuthError(await poll(server.url, pending.device_code), 'expired_token');
      assertOAuthError(await poll(server.url, approved.device_code), 'expired_token');
      await assert.rejects(server.grants.approve(pending.user_code, 'alice'), /no pending request/);
    });

    test('a denial reaches the device as access_denied and cannot be reversed', async () => {
      const code = await requestDeviceCode(server.url);
      await server.grants.deny(code.user_code);
      assertOAuthError(await poll(server.url, code.device_code), 'access_denied');
      await assert.rejects(server.grants.approve(code.user_code, 'alice'), /no pending request/);
      clock.advance(5);
      assertOAuthError(await poll(server.url, code.device_code), 'access_denied');
    });

    test('50 concurrent polls of one approved code give exactly one token response', async () => {
      const code = await requestDeviceCode(server.url);
      await server.grants.approve(code.user_code, 'alice');
      const answers = await Promise.all(Array.from({ length: 50 }, () => poll(server.url, code.device_code)));
      const ok = answers.filter((answer) => answer.status === 200);
      assert.equal(ok.length, 1, `statuses: ${answers.map((a) => a.status).join(',')}`);
      for (const answer of answers.filter((a) => a.status !== 200)) assertOAuthError(answer, 'invalid_grant');
    });

    test('a device code presented by another client is refused; unknown codes are invalid_grant', async () => {
      const code = await requestDeviceCode(server.url);
      await server.grants.approve(code.user_code, 'alice');
      const other = await post(
        `${server.url}/oauth/token`,
        { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: code.device_code },
        { headers: { authorization: basic(CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET) } },
      );
      assertOAuthError(other, 'invalid_grant');
      assert.equal((await poll(server.url, code.device_code)).status, 200, 'the rightful client still redeems it');
      assertOAuthError(await poll(server.url, 'A'.repeat(43)), 'invalid_grant');
      assertOAuthError(await poll(server.url, 'not a code'), 'invalid_grant');
    });

    test('a confidential client authenticates with client_secret_basic and client_secret_post', async () => {
      const viaBasic = await post(
        `${server.url}/oauth/device_authorization`,
        { scope: 'openid' },
        { headers: { authorization: basic(CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET) } },
      );
      assert.equal(viaBasic.status, 200, viaBasic.text);
      const viaPost = await post(`${server.url}/oauth/device_authorization`, {
        client_id: CONFIDENTIAL_CLIENT,
        client_secret: CONFIDENTIAL_SECRET,
      });
      assert.equal(viaPost.status, 200, viaPost.text);
      await server.grants.approve(viaPost.body.user_code, 'alice');
      const withoutSecret = await post(`${server.url}/oauth/token`, {
        grant_type: DEVICE_CODE_GRANT_TYPE,
        device_code: viaPost.body.device_code,
        client_id: CONFIDENTIAL_CLIENT,
      });
      assertOAuthError(withoutSecret, 'invalid_client', 401);
      const redeemed = await post(
        `${server.url}/oauth/token`,
        { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: viaPost.body.device_code },
        { headers: { authorization: basic(CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET) } },
      );
      assert.equal(redeemed.status, 200, redeemed.text);
    });

    test('metadata and JWKS validate the issued access token (RFC 9068)', async () => {
      const metadata = await get(`${server.url}/.well-known/oauth-authorization-server`);
      assert.equal(metadata.status, 200);
      assert.equal(metadata.body.issuer, server.url);
      assert.equal(metadata.body.device_authorization_endpoint, `${server.url}/oauth/device_authorization`);
      assert.equal(metadata.body.token_endpoint, `${server.url}/oauth/token`);
      assert.ok(metadata.body.grant_types_supported.includes(DEVICE_CODE_GRANT_TYPE));
      assert.ok(metadata.body.grant_types_supported.includes('refresh_token'));
      assert.deepEqual(metadata.body.token_endpoint_auth_methods_supported, ['none', 'client_secret_basic', 'client_secret_post']);
      assert.ok(metadata.body.scopes_supported.includes('telemetry:write'));

      const code = await requestDeviceCode(server.url, { scope: 'openid profile' });
      await server.grants.approve(code.user_code, 'alice');
      const tokens = await poll(server.url, code.device_code);
      const header = decodeProtectedHeader(tokens.body.access_token);
      assert.equal(header.typ, 'at+jwt');
      assert.equal(header.alg, 'ES256');
      const jwks = createRemoteJWKSet(new URL(metadata.body.jwks_uri));
      const { payload } = await jwtVerify(tokens.body.access_token, jwks, {
        issuer: server.url,
        audience: server.url,
        typ: 'at+jwt',
        currentDate: new Date(clock.now()),
      });
      assert.equal(payload.sub, 'alice');
      assert.equal(payload.client_id, PUBLIC_CLIENT);
      assert.equal(payload.scope, 'openid profile');
      assert.equal((payload.exp as number) - (payload.iat as number), 600);
      assert.match(String(payload.jti), /^[0-9a-f-]{36}$/);
    });
  });
}

describe('state that must survive a restart', () => {
  test('the grown interval and pending grants persist across a server restart', async () => {
    const db = tempSqlite();
    const clock = new TestClock();
    try {
      let server = await startServer({ databaseUrl: db.url, clock });
      const code = await requestDeviceCode(server.url);
      assertOAuthError(await poll(server.url, code.device_code), 'authorization_pending');
      clock.advance(1);
      assertOAuthError(await poll(server.url, code.device_code), 'slow_down');
      await server.close();

      server = await startServer({ databaseUrl: db.url, clock });
      clock.advance(6); // under the grown 10 s interval
      assertOAuthError(await poll(server.url, code.device_code), 'slow_down');
      clock.advance(15);
      assertOAuthError(await poll(server.url, code.device_code), 'authorization_pending');
      await server.grants.approve(code.user_code, 'alice');
      clock.advance(15);
      assert.equal((await poll(server.url, code.device_code)).status, 200);
      await server.close();
    } finally {
      db.cleanup();
    }
  });
});
