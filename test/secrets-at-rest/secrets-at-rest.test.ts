import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ClientAdminService } from '../../src/admin/client-admin.service.js';
import { DEVICE_CODE_GRANT_TYPE } from '../../src/constants.js';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, poll, refresh, requestDeviceCode } from '../support/device-flow.js';
import { basic, post } from '../support/http.js';
import { startServer, tempSqlite, TestClock } from '../support/test-server.js';
import { Visitor } from '../support/visitor.js';

describe('secrets at rest', () => {
  test('after a full run, the database file holds no device code, refresh token, client secret or password in plain text', async () => {
    const db = tempSqlite();
    const clock = new TestClock();
    const server = await startServer({ databaseUrl: db.url, clock });
    const secrets = new Map<string, string>([
      [CONFIDENTIAL_SECRET, 'demo client secret'],
      ['alice-password', 'demo password'],
    ]);
    try {
      // Public device: through the activation pages, tokens, two refreshes, reuse of a rotated token.
      const code = await requestDeviceCode(server.url, { scope: 'openid offline_access' });
      secrets.set(code.device_code, 'device code');
      await Visitor.at(server.url).decide(code.user_code);
      const tokens = await poll(server.url, code.device_code);
      assert.equal(tokens.status, 200);
      secrets.set(tokens.body.refresh_token, 'refresh token');
      secrets.set(tokens.body.access_token, 'access token');
      const first = await refresh(server.url, tokens.body.refresh_token);
      secrets.set(first.body.refresh_token, 'rotated refresh token');
      const second = await refresh(server.url, first.body.refresh_token);
      secrets.set(second.body.refresh_token, 'rotated refresh token');
      await refresh(server.url, tokens.body.refresh_token); // replay: revokes the family

      // Confidential client, a denied grant, a new client and a rotated secret through the admin API.
      const confidential = await post(
        `${server.url}/oauth/device_authorization`,
        { scope: 'openid' },
        { headers: { authorization: basic(CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET) } },
      );
      secrets.set(confidential.body.device_code, 'device code');
      await server.grants.deny(confidential.body.user_code);
      await post(`${server.url}/oauth/token`, { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: confidential.body.device_code }, {
        headers: { authorization: basic(CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET) },
      });
      const admin = server.app.get(ClientAdminService);
      const created = await admin.add({ name: 'Scanner fleet', type: 'confidential', scopes: ['openid'] });
      assert.ok(created.secret);
      secrets.set(created.secret, 'new client secret');
      const rotated = await admin.rotateSecret(created.client.clientId, 60);
      secrets.set(rotated.secret, 'rotated client secret');
    } finally {
      await server.close();
    }
    try {
      const path = db.url.replace(/^sqlite:/, '');
      const files = [path, `${path}-wal`, `${path}-journal`].filter((file) => existsSync(file));
      const contents = files.map((file) => readFileSync(file));
      // The scan reads what is stored: a value that is meant to be there is found.
      assert.ok(contents.some((bytes) => bytes.indexOf(Buffer.from('Scanner fleet')) >= 0), 'the scan sees stored text');
      for (const [secret, kind] of secrets) {
        for (const [index, bytes] of contents.entries()) {
          assert.equal(bytes.indexOf(Buffer.from(secret, 'utf8')), -1, `a ${kind} is stored in plain text in ${files[index]}`);
        }
      }
    } finally {
      db.cleanup();
    }
  });
});
