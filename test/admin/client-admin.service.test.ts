import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ClientAdminError } from '../../src/admin/client-admin.errors.js';
import { ClientAdminService } from '../../src/admin/client-admin.service.js';
import { basic, post } from '../support/http.js';
import { assertOAuthError } from '../support/oauth-assertions.js';
import { startServer, TestClock, type TestServer } from '../support/test-server.js';

describe('ClientAdminService (in the server process, on an injected clock)', () => {
  const clock = new TestClock();
  let server: TestServer;
  let clients: ClientAdminService;

  before(async () => {
    server = await startServer({ clock });
    clients = server.app.get(ClientAdminService);
  });
  after(() => server.close());

  const authorize = (clientId: string, secret: string) =>
    post(`${server.url}/oauth/device_authorization`, { scope: 'openid' }, { headers: { authorization: basic(clientId, secret) } });

  test('a rotated secret keeps working until the grace period ends, to the second; changes apply at once in-process', async () => {
    const { client, secret } = await clients.add({ name: 'Gateway', type: 'confidential', scopes: ['openid'] });
    assert.equal((await authorize(client.clientId, secret!)).status, 200);
    const rotated = await clients.rotateSecret(client.clientId, 60);
    assert.equal(rotated.previousSecretExpiresAt, clock.now() + 60_000);
    assert.equal((await authorize(client.clientId, secret!)).status, 200, 'old secret in the grace period');
    assert.equal((await authorize(client.clientId, rotated.secret)).status, 200, 'new secret at once');
    clock.advance(59);
    assert.equal((await authorize(client.clientId, secret!)).status, 200);
    clock.advance(1);
    assertOAuthError(await authorize(client.clientId, secret!), 'invalid_client', 401);
    assert.equal((await authorize(client.clientId, rotated.secret)).status, 200);
    assert.equal((await clients.get(client.clientId)).previousSecretExpiresAt, rotated.previousSecretExpiresAt);
  });

  test('grace 0 ends the old secret at once; a second rotation drops the first secret', async () => {
    const { client, secret: first } = await clients.add({ name: 'Leaky', type: 'confidential', scopes: ['openid'] });
    const second = await clients.rotateSecret(client.clientId, 3600);
    const third = await clients.rotateSecret(client.clientId, 3600);
    assertOAuthError(await authorize(client.clientId, first!), 'invalid_client', 401);
    assert.equal((await authorize(client.clientId, second.secret)).status, 200);
    assert.equal((await authorize(client.clientId, third.secret)).status, 200);
    const leaked = await clients.rotateSecret(client.clientId, 0);
    assert.equal(leaked.previousSecretExpiresAt, null);
    assertOAuthError(await authorize(client.clientId, third.secret), 'invalid_client', 401);
    assert.equal((await authorize(client.clientId, leaked.secret)).status, 200);
  });

  test('disable and enable apply at once on this instance', async () => {
    const { client } = await clients.add({ name: 'Thermostats', type: 'public', scopes: ['openid'] });
    const request = () => post(`${server.url}/oauth/device_authorization`, { client_id: client.clientId });
    assert.equal((await request()).status, 200);
    assert.equal((await clients.disable(client.clientId)).disabled, true);
    assertOAuthError(await request(), 'invalid_client', 401);
    assert.equal((await clients.enable(client.clientId)).disabled, false);
    assert.equal((await request()).status, 200);
  });

  test('validation: every message names the problem', async () => {
    const rejects = (promise: Promise<unknown>, message: RegExp) =>
      assert.rejects(promise, (error: Error) => error instanceof ClientAdminError && message.test(error.message));
    await rejects(clients.add({ name: '', type: 'public' }), /needs a name/);
    await rejects(clients.add({ name: 'A\u0000B', type: 'public' }), /control characters/);
    await rejects(clients.add({ name: 'x'.repeat(201), type: 'public' }), /longer than 200/);
    await rejects(clients.add({ name: 'Lamps', type: 'public', accessTokenTtl: 86401 }), /from 1 to 86400, got 86401/);
    await rejects(clients.add({ name: 'Lamps', type: 'public', scopes: ['openid', 'root', 'sudo'] }), /unknown scopes "root", "sudo"; this server knows: openid, profile, offline_access, telemetry:write/);
    await rejects(clients.add({ name: 'Lamps', type: 'public', clientId: 'demo-confidential' }), /already exists/);
    await rejects(clients.add({ name: 'Lamps', type: 'public', clientId: 'has space' }), /is not valid/);
    await rejects(clients.add({ name: 'Lamps', type: 'public', accessTokenTtl: 1.5 }), /access-token lifetime must be a whole number/);
    await rejects(clients.add({ name: 'Lamps', type: 'public', refreshTokenTtl: -1 }), /refresh-token lifetime must be a whole number/);
    await rejects(clients.add({ name: 'Lamps', type: 'other' as 'public' }), /public .* or confidential/);
    await rejects(clients.rotateSecret('demo-confidential', 40 * 24 * 3600), /grace period must be/);
    await rejects(clients.delete('nobody'), /there is no client "nobody"/);
  });

  test('ids and secrets come from the CSPRNG and never repeat', async () => {
    const made = await Promise.all(Array.from({ length: 5 }, (_, i) => clients.add({ name: `Batch ${i}`, type: 'confidential' })));
    assert.equal(new Set(made.map((m) => m.client.clientId)).size, 5);
    assert.equal(new Set(made.map((m) => m.secret)).size, 5);
    for (const { client, secret } of made) {
      assert.match(client.clientId, /^[0-9a-f]{32}$/);
      assert.match(secret!, /^[A-Za-z0-9_-]{43}$/);
      assert.ok(!JSON.stringify(await clients.get(client.clientId)).includes(secret!));
    }
  });
});
