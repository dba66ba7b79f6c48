import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DataSource } from 'typeorm';
import { DEVICE_CODE_GRANT_TYPE } from '../../src/constants.js';
import { DeviceGrantEntity } from '../../src/persistence/entities/index.js';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, PUBLIC_CLIENT, requestDeviceCode } from '../support/device-flow.js';
import { basic, get, post } from '../support/http.js';
import { assertOAuthError } from '../support/oauth-assertions.js';
import { ADAPTERS, startServer, type TestServer } from '../support/test-server.js';

for (const adapter of ADAPTERS) {
  describe(`malformed and hostile input gets RFC 6749 §5.2 errors (${adapter})`, () => {
    let server: TestServer;
    let deviceAuthorization: string;
    let token: string;
    let grantCount: () => Promise<number>;

    before(async () => {
      // Hundreds of bad requests from one address: the device authorization rate is not what is tested here.
      server = await startServer({ adapter, limits: { deviceAuthorizationsPerAddress: false } });
      deviceAuthorization = `${server.url}/oauth/device_authorization`;
      token = `${server.url}/oauth/token`;
      const dataSource = server.app.get(DataSource);
      grantCount = () => dataSource.getRepository(DeviceGrantEntity).count();
    });
    after(() => server.close());

    const rejected: [string, () => Promise<void>][] = [
      ['JSON instead of a form', async () => {
        assertOAuthError(await post(deviceAuthorization, JSON.stringify({ client_id: PUBLIC_CLIENT }), { contentType: 'application/json' }), 'invalid_request');
      }],
      ['text/plain body', async () => {
        assertOAuthError(await post(deviceAuthorization, `client_id=${PUBLIC_CLIENT}`, { contentType: 'text/plain' }), 'invalid_request');
      }],
      ['an unknown content type', async () => {
        assertOAuthError(await post(token, '<xml/>', { contentType: 'application/xml' }), 'invalid_request');
      }],
      ['no content type', async () => {
        assertOAuthError(await post(deviceAuthorization, `client_id=${PUBLIC_CLIENT}`, { contentType: null }), 'invalid_request');
      }],
      ['an oversized body', async () => {
        const body = `client_id=${PUBLIC_CLIENT}&device_name=${'x'.repeat(200_000)}`;
        assertOAuthError(await post(deviceAuthorization, body), 'invalid_request');
      }],
      ['a repeated parameter', async () => {
        assertOAuthError(await post(deviceAuthorization, `client_id=${PUBLIC_CLIENT}&client_id=${PUBLIC_CLIENT}`), 'invalid_request');
        assertOAuthError(await post(token, `grant_type=${DEVICE_CODE_GRANT_TYPE}&grant_type=refresh_token&client_id=${PUBLIC_CLIENT}`), 'invalid_request');
      }],
      ['bracketed parameters', async () => {
        assertOAuthError(await post(deviceAuthorization, `client_id[a]=${PUBLIC_CLIENT}`), 'invalid_request');
        assertOAuthError(await post(token, `grant_type=${DEVICE_CODE_GRANT_TYPE}&client_id=${PUBLIC_CLIENT}&device_code[]=abc`), 'invalid_request');
        assertOAuthError(await post(deviceAuthorization, `client_id=${PUBLIC_CLIENT}&a[b][c][d][e][f][g]=1`), 'invalid_request');
      }],
      ['an unknown grant type', async () => {
        assertOAuthError(await post(token, { grant_type: 'password', username: 'alice', password: 'x', client_id: PUBLIC_CLIENT }), 'unsupported_grant_type');
        assertOAuthError(await post(token, { grant_type: 'authorization_code', code: 'x', client_id: PUBLIC_CLIENT }), 'unsupported_grant_type');
      }],
      ['missing parameters', async () => {
        assertOAuthError(await post(token, { client_id: PUBLIC_CLIENT }), 'invalid_request');
        assertOAuthError(await post(token, { grant_type: DEVICE_CODE_GRANT_TYPE, client_id: PUBLIC_CLIENT }), 'invalid_request');
        assertOAuthError(await post(token, { grant_type: 'refresh_token', client_id: PUBLIC_CLIENT }), 'invalid_request');
        assertOAuthError(await post(token, ''), 'invalid_request');
      }],
      ['no client identification', async () => {
        assertOAuthError(await post(deviceAuthorization, { scope: 'openid' }), 'invalid_client', 401);
        assertOAuthError(await post(token, { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: 'A'.repeat(43) }), 'invalid_client', 401);
      }],
      ['an unknown client', async () => {
        const answer = await post(deviceAuthorization, { client_id: 'nobody' });
        assertOAuthError(answer, 'invalid_client', 401);
      }],
      ['wrong or malformed Basic credentials get 401 with WWW-Authenticate', async () => {
        for (const authorization of [
          basic(CONFIDENTIAL_CLIENT, 'wrong-secret'),
          basic('nobody', 'secret'),
          'Basic !!!notbase64',
          'Basic ' + Buffer.from('no-colon').toString('base64'),
          'Basic ' + Buffer.from('%zz:%zz').toString('base64'),
        ]) {
          const answer = await post(deviceAuthorization, { scope: 'openid' }, { headers: { authorization } });
          assertOAuthError(answer, 'invalid_client', 401);
          assert.match(answer.headers.get('www-authenticate') ?? '', /^Basic /);
        }
      }],
      ['two client authentication methods at once', async () => {
        const answer = await post(
          deviceAuthorization,
          { client_secret: CONFIDENTIAL_SECRET },
          { headers: { authorization: basic(CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET) } },
        );
        assertOAuthError(answer, 'invalid_request');
      }],
      ['a public client sending a secret, a confidential client without one', async () => {
        assertOAuthError(await post(deviceAuthorization, { client_id: PUBLIC_CLIENT, client_secret: 'x' }), 'invalid_client', 401);
        assertOAuthError(await post(deviceAuthorization, { client_id: CONFIDENTIAL_CLIENT }), 'invalid_client', 401);
      }],
      ['unknown, unauthorised and malformed scopes', async () => {
        assertOAuthError(await post(deviceAuthorization, { client_id: PUBLIC_CLIENT, scope: 'admin' }), 'invalid_scope');
        assertOAuthError(await post(deviceAuthorization, { client_id: PUBLIC_CLIENT, scope: 'openid  profile' }), 'invalid_scope');
        assertOAuthError(await post(deviceAuthorization, { client_id: PUBLIC_CLIENT, scope: 'open"id' }), 'invalid_scope');
      }],
      ['device details that are too long or cannot be shown', async () => {
        assertOAuthError(await post(deviceAuthorization, { client_id: PUBLIC_CLIENT, device_name: 'x'.repeat(101) }), 'invalid_request');
        assertOAuthError(await post(deviceAuthorization, { client_id: PUBLIC_CLIENT, device_name: 'a\u0000b' }), 'invalid_request');
        assertOAuthError(await post(deviceAuthorization, `client_id=${PUBLIC_CLIENT}&device_model=%FF%FE`), 'invalid_request');
        assertOAuthError(await post(deviceAuthorization, { client_id: PUBLIC_CLIENT, device_serial: 'line\nbreak' }), 'invalid_request');
      }],
      ['device details with bidi controls or zero-width characters (they could make the consent page show other text)', async () => {
        const spoofs = ['\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069', '\u200B', '\u200C', '\u200D', '\u200E', '\u200F', '\u2060', '\uFEFF'];
        for (const [index, spoof] of spoofs.entries()) {
          const field = ['device_name', 'device_model', 'device_serial'][index % 3];
          const answer = await post(deviceAuthorization, { client_id: PUBLIC_CLIENT, [field]: `Living room${spoof}TV` });
          assertOAuthError(answer, 'invalid_request');
          assert.equal(answer.body.error_description, `${field} holds bidirectional controls or invisible characters`, `U+${spoof.codePointAt(0)!.toString(16)}`);
        }
      }],
      ['SQL and HTML injection strings', async () => {
        assertOAuthError(await post(deviceAuthorization, { client_id: "demo-device' OR '1'='1" }), 'invalid_client', 401);
        assertOAuthError(await post(token, { grant_type: DEVICE_CODE_GRANT_TYPE, client_id: PUBLIC_CLIENT, device_code: "' OR 1=1 --" }), 'invalid_grant');
        assertOAuthError(await post(token, { grant_type: '<script>alert(1)</script>', client_id: PUBLIC_CLIENT }), 'unsupported_grant_type');
      }],
      ['wrong methods on OAuth endpoints', async () => {
        for (const url of [deviceAuthorization, token]) {
          const answer = await get(url);
          assertOAuthError(answer, 'invalid_request', 405);
          assert.equal(answer.headers.get('allow'), 'POST');
          const put = await fetch(url, { method: 'PUT', body: 'x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
          assert.equal(put.status, 405);
          assert.equal((await put.json()).error, 'invalid_request');
        }
      }],
    ];

    for (const [name, check] of rejected) {
      test(`${name}: the right error, and nothing stored`, async () => {
        const before = await grantCount();
        await check();
        assert.equal(await grantCount(), before, 'a rejected request changed the database');
      });
    }

    test('empty values count as absent and unknown parameters are ignored', async () => {
      const answer = await post(deviceAuthorization, { client_id: PUBLIC_CLIENT, scope: '', device_name: '', whatever: 'x' });
      assert.equal(answer.status, 200, answer.text);
    });

    test('device details in any script are welcome, right-to-left included (only bidi controls and invisible characters are not)', async () => {
      const answer = await post(deviceAuthorization, { client_id: PUBLIC_CLIENT, device_name: 'טלוויזיה בסלון', device_model: 'Télé 4K — salon', device_serial: 'تلفاز-٤٢' });
      assert.equal(answer.status, 200, answer.text);
    });

    test('malformed percent-encoding never breaks the server', async () => {
      const answer = await post(deviceAuthorization, `client_id=${PUBLIC_CLIENT}&device_name=%zz%E0%A4%A`);
      assert.ok(answer.status < 500, answer.text);
      assert.ok(answer.body?.error || answer.body?.device_code, answer.text);
      const code = await requestDeviceCode(server.url);
      assert.ok(code.device_code, 'the server keeps serving');
    });
  });
}
