import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEVICE_CODE_GRANT_TYPE } from '../../src/constants.js';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, PUBLIC_CLIENT, refresh } from '../support/device-flow.js';
import { basic, get, post, type Answer } from '../support/http.js';
import { assertNoStore, assertOAuthError } from '../support/oauth-assertions.js';
import { ADAPTERS, startServer, TestClock, type TestServer } from '../support/test-server.js';
import { startResourceServer, type ResourceServer } from '../resource-server/app.module.js';
import { challengeParams, deviceTokens } from '../resource-server/tokens.js';

const RESOURCE_SERVER = { id: 'demo-api', secret: 'demo-api-secret' };

for (const adapter of ADAPTERS) {
  describe(`revocation and introspection (${adapter})`, () => {
    const clock = new TestClock();
    let server: TestServer;
    let api: ResourceServer;

    before(async () => {
      server = await startServer({ adapter, clock });
      api = await startResourceServer(adapter, {
        issuer: server.url,
        clock,
        revocationCheck: { clientId: RESOURCE_SERVER.id, clientSecret: RESOURCE_SERVER.secret, cacheTtl: 30 },
      });
    });
    after(async () => {
      await api.close();
      await server.close();
    });

    const revoke = (params: Record<string, string>, clientId = PUBLIC_CLIENT) =>
      post(`${server.url}/oauth/revoke`, { client_id: clientId, ...params });
    const introspect = (token: string, caller = RESOURCE_SERVER, extra: Record<string, string> = {}) =>
      post(`${server.url}/oauth/introspect`, { token, ...extra }, { headers: { authorization: basic(caller.id, caller.secret) } });

    function assertRevoked(answer: Answer): void {
      assert.equal(answer.status, 200, answer.text);
      assertNoStore(answer);
    }

    function assertInactive(answer: Answer): void {
      assert.equal(answer.status, 200, answer.text);
      assertNoStore(answer);
      assert.deepEqual(answer.body, { active: false }, 'nothing but active: false');
    }

    test('the metadata advertises both endpoints and their client authentication methods', async () => {
      const metadata = (await get(`${server.url}/.well-known/oauth-authorization-server`)).body;
      assert.equal(metadata.revocation_endpoint, `${server.url}/oauth/revoke`);
      assert.deepEqual(metadata.revocation_endpoint_auth_methods_supported, ['none', 'client_secret_basic', 'client_secret_post']);
      assert.equal(metadata.introspection_endpoint, `${server.url}/oauth/introspect`);
      assert.deepEqual(metadata.introspection_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post']);
      assert.equal(metadata.jwks_uri, `${server.url}/oauth/jwks`);
    });

    test('introspection of an active access token, then revoke it: inactive, and the resource server refuses it', async () => {
      const tokens = await deviceTokens(server, 'openid profile');
      const active = await introspect(tokens.access_token);
      assert.equal(active.status, 200, active.text);
      assertNoStore(active);
      assert.equal(active.body.active, true);
      assert.equal(active.body.scope, 'openid profile');
      assert.equal(active.body.client_id, PUBLIC_CLIENT);
      assert.equal(active.body.sub, 'alice');
      assert.equal(active.body.token_type, 'Bearer');
      assert.equal(active.body.exp - active.body.iat, 600);
      assert.equal((await get(`${api.url}/api/whoami`, { authorization: `Bearer ${tokens.access_token}` })).status, 200);

      assertRevoked(await revoke({ token: tokens.access_token, token_type_hint: 'access_token' }));
      assertInactive(await introspect(tokens.access_token));

      // The resource server remembers "active" for at most its cacheTtl (30 s), then asks again.
      assert.equal((await get(`${api.url}/api/whoami`, { authorization: `Bearer ${tokens.access_token}` })).status, 200);
      clock.advance(31);
      const refused = await get(`${api.url}/api/whoami`, { authorization: `Bearer ${tokens.access_token}` });
      assert.equal(refused.status, 401);
      assert.equal(challengeParams(refused.headers.get('www-authenticate')).error, 'invalid_token');
      assert.match(refused.body.error_description, /revoked/);
    });

    test('a revoked access token on a fresh resource-server cache is refused at once', async () => {
      const tokens = await deviceTokens(server, 'openid profile');
      assertRevoked(await revoke({ token: tokens.access_token }));
      assert.equal((await get(`${api.url}/api/whoami`, { authorization: `Bearer ${tokens.access_token}` })).status, 401);
    });

    test('revoking a refresh token kills its family and the access tokens issued with it', async () => {
      const tokens = await deviceTokens(server, 'openid offline_access');
      const rotated = await refresh(server.url, tokens.refresh_token);
      assert.equal(rotated.status, 200, rotated.text);
      assertRevoked(await revoke({ token: rotated.body.refresh_token, token_type_hint: 'refresh_token' }));
      assertOAuthError(await refresh(server.url, rotated.body.refresh_token), 'invalid_grant');
      assertInactive(await introspect(tokens.access_token));
      assertInactive(await introspect(rotated.body.access_token));
    });

    test('the hint is only a hint: a wrong or unknown one still finds the token', async () => {
      const first = await deviceTokens(server, 'openid offline_access');
      assertRevoked(await revoke({ token: first.refresh_token, token_type_hint: 'access_token' }));
      assertOAuthError(await refresh(server.url, first.refresh_token), 'invalid_grant');
      const second = await deviceTokens(server, 'openid offline_access');
      assertRevoked(await revoke({ token: second.access_token, token_type_hint: 'urn:example:unknown' }));
      assertInactive(await introspect(second.access_token));
    });

    test("a client cannot revoke another client's tokens (200, and the tokens still work)", async () => {
      const tokens = await deviceTokens(server, 'openid offline_access');
      const asOther = (token: string) =>
        post(`${server.url}/oauth/revoke`, { token }, { headers: { authorization: basic(CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET) } });
      assertRevoked(await asOther(tokens.refresh_token));
      assertRevoked(await asOther(tokens.access_token));
      assert.equal((await introspect(tokens.access_token)).body.active, true);
      assert.equal((await refresh(server.url, tokens.refresh_token)).status, 200);
    });

    test('unknown, malformed and expired tokens: 200; a bad request or bad client: an OAuth error', async () => {
      assertRevoked(await revoke({ token: 'A'.repeat(43) }));
      assertRevoked(await revoke({ token: 'eyJhbGciOiJFUzI1NiJ9.e30.c2ln' }));
      assertRevoked(await revoke({ token: 'not a token at all' }));
      assertOAuthError(await revoke({}), 'invalid_request');
      assertOAuthError(await post(`${server.url}/oauth/revoke`, 'token=a&token=b&client_id=demo-device'), 'invalid_request');
      assertOAuthError(await post(`${server.url}/oauth/revoke`, { token: 'x' }), 'invalid_client', 401);
      assertOAuthError(await revoke({ token: 'x' }, 'no-such-client'), 'invalid_client', 401);
      assertOAuthError(
        await post(`${server.url}/oauth/revoke`, { token: 'x' }, { headers: { authorization: basic(CONFIDENTIAL_CLIENT, 'wrong') } }),
        'invalid_client',
        401,
      );
      assertOAuthError(await post(`${server.url}/oauth/revoke`, '{"token":"x"}', { contentType: 'application/json' }), 'invalid_request');
      const viaGet = await get(`${server.url}/oauth/revoke`);
      assert.equal(viaGet.status, 405);
      assertOAuthError(viaGet, 'invalid_request', 405);
    });

    test('introspection: confidential callers only; expired and unknown tokens are inactive', async () => {
      const tokens = await deviceTokens(server, 'openid profile');
      assertOAuthError(await post(`${server.url}/oauth/introspect`, { token: tokens.access_token, client_id: PUBLIC_CLIENT }), 'invalid_client', 401);
      assertOAuthError(await post(`${server.url}/oauth/introspect`, { token: tokens.access_token }), 'invalid_client', 401);
      assertOAuthError(await introspect(tokens.access_token, { id: RESOURCE_SERVER.id, secret: 'wrong' }), 'invalid_client', 401);
      assertOAuthError(await post(`${server.url}/oauth/introspect`, {}, { headers: { authorization: basic(RESOURCE_SERVER.id, RESOURCE_SERVER.secret) } }), 'invalid_request');
      // client_secret_post works too.
      const viaPost = await post(`${server.url}/oauth/introspect`, {
        token: tokens.access_token,
        client_id: RESOURCE_SERVER.id,
        client_secret: RESOURCE_SERVER.secret,
      });
      assert.equal(viaPost.body.active, true);
      // A confidential client that is not a resource server sees only its own tokens.
      assertInactive(await introspect(tokens.access_token, { id: CONFIDENTIAL_CLIENT, secret: CONFIDENTIAL_SECRET }));
      assertInactive(await introspect('A'.repeat(43)));
      assertInactive(await introspect('garbage'));
      clock.advance(601);
      assertInactive(await introspect(tokens.access_token));
    });

    test("a confidential client introspects its own refresh token; a rotated one is inactive", async () => {
      const auth = { authorization: basic(CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET) };
      const code = await post(`${server.url}/oauth/device_authorization`, { scope: 'openid offline_access' }, { headers: auth });
      await server.grants.approve(code.body.user_code, 'alice');
      const tokens = await post(`${server.url}/oauth/token`, { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: code.body.device_code }, { headers: auth });
      assert.equal(tokens.status, 200, tokens.text);
      const own = { id: CONFIDENTIAL_CLIENT, secret: CONFIDENTIAL_SECRET };
      const answer = await introspect(tokens.body.refresh_token, own, { token_type_hint: 'refresh_token' });
      assert.equal(answer.body.active, true, answer.text);
      assert.equal(answer.body.token_type, 'refresh_token');
      assert.equal(answer.body.client_id, CONFIDENTIAL_CLIENT);
      assert.equal(answer.body.sub, 'alice');
      assert.equal(answer.body.scope, 'openid offline_access');
      assert.equal(typeof answer.body.exp, 'number');
      // Refresh tokens are shown to their own client only.
      assertInactive(await introspect(tokens.body.refresh_token));
      const rotated = await post(`${server.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token }, { headers: auth });
      assert.equal(rotated.status, 200, rotated.text);
      assertInactive(await introspect(tokens.body.refresh_token, own));
      assert.equal((await introspect(rotated.body.refresh_token, own)).body.active, true);
      assert.equal((await introspect(rotated.body.access_token, own)).body.active, true, 'its own access token too');
    });
  });
}
