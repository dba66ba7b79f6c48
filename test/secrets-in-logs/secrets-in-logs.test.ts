import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEVICE_CODE_GRANT_TYPE } from '../../src/constants.js';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, poll, refresh, requestDeviceCode } from '../support/device-flow.js';
import { basic, post } from '../support/http.js';
import { startServerProcess } from '../support/server-process.js';
import { tempSqlite } from '../support/test-server.js';
import { Visitor } from '../support/visitor.js';

describe('secrets in logs', () => {
  test('no device code, token, client secret or password appears in any log line of a full run', async () => {
    const db = tempSqlite();
    const server = await startServerProcess({ databaseUrl: db.url, env: { POLLING_INTERVAL: '1' } });
    const secrets = new Map<string, string>([['alice-password', 'password']]);
    try {
      const code = await requestDeviceCode(server.url, { scope: 'openid profile offline_access', device_name: 'Log test' });
      secrets.set(code.device_code, 'device code');
      await poll(server.url, code.device_code);
      await poll(server.url, code.device_code); // slow_down
      const visitor = Visitor.at(server.url);
      const opened = await visitor.openCode(code.user_code);
      assert.equal(opened.status, 303);
      const signIn = await visitor.request('/activate/confirm');
      const badPassword = 'not-alices-password-' + Date.now();
      secrets.set(badPassword, 'wrong password');
      await visitor.request('/activate/sign-in', { csrf: Visitor.csrf(signIn.text), username: 'alice', password: badPassword });
      await visitor.decide(code.user_code);
      const tokens = await poll(server.url, code.device_code); // too fast, but approved: the tokens at once
      assert.equal(tokens.status, 200, tokens.text);
      secrets.set(tokens.body.access_token, 'access token');
      secrets.set(tokens.body.refresh_token, 'refresh token');
      const rotated = await refresh(server.url, tokens.body.refresh_token);
      secrets.set(rotated.body.refresh_token, 'refresh token');
      await refresh(server.url, tokens.body.refresh_token); // reuse: the family is revoked
      const me = await fetch(`${server.url}/api/me`, { headers: { authorization: `Bearer ${rotated.body.access_token}` } });
      secrets.set(rotated.body.access_token, 'access token');
      assert.equal(me.status, 401, 'the reuse revoked the family, this access token with it');
      await post(`${server.url}/oauth/revoke`, { token: rotated.body.refresh_token, client_id: 'demo-device' });

      const wrongSecret = 'wrong-secret-' + Date.now();
      secrets.set(wrongSecret, 'wrong client secret');
      secrets.set(CONFIDENTIAL_SECRET, 'client secret');
      await post(`${server.url}/oauth/device_authorization`, {}, { headers: { authorization: basic(CONFIDENTIAL_CLIENT, wrongSecret) } });
      const confidential = await post(`${server.url}/oauth/device_authorization`, { client_id: CONFIDENTIAL_CLIENT, client_secret: CONFIDENTIAL_SECRET });
      secrets.set(confidential.body.device_code, 'device code');
      await post(`${server.url}/oauth/token`, { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: confidential.body.device_code }, {
        headers: { authorization: basic(CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET) },
      });
      await post(`${server.url}/oauth/token`, `grant_type=${DEVICE_CODE_GRANT_TYPE}&device_code=${code.device_code}&device_code=${code.device_code}`);
    } finally {
      await server.stop();
      db.cleanup();
    }
    const lines = server.output().split('\n');
    assert.ok(lines.length > 10, 'the server logged');
    // The demo prints its own well-known demo credentials once at start; nothing else may carry a secret.
    const startBanner = (line: string) => /DemoServer/.test(line) && /client_secret=demo-secret|alice \/ alice-password/.test(line);
    for (const line of lines.filter((line) => !startBanner(line))) {
      for (const [secret, kind] of secrets) assert.ok(!line.includes(secret), `a ${kind} was logged: ${line.slice(0, 200)}`);
    }
  });
});
