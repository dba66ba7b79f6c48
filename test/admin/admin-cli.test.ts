import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { DataSource } from 'typeorm';
import { DEVICE_CODE_GRANT_TYPE } from '../../src/constants.js';
import { basic, post, type Answer } from '../support/http.js';
import { assertOAuthError } from '../support/oauth-assertions.js';
import { startServer, tempSqlite, type TestServer } from '../support/test-server.js';
import { admin, adminOk, clientCacheExpiry } from './admin-cli.js';

describe('admin CLI end to end (child processes on the server database)', () => {
  const db = tempSqlite();
  let server: TestServer;
  // The server's clock: real time (the CLI processes stamp their rows with it) plus a jump the test makes.
  const clock = { ahead: 0, now: () => Date.now() + clock.ahead };

  before(async () => {
    server = await startServer({ databaseUrl: db.url, clock });
  });
  after(async () => {
    await server.close();
    db.cleanup();
  });

  const authorize = (clientId: string, secret?: string, scope = 'openid offline_access'): Promise<Answer> =>
    secret === undefined
      ? post(`${server.url}/oauth/device_authorization`, { client_id: clientId, scope })
      : post(`${server.url}/oauth/device_authorization`, { scope }, { headers: { authorization: basic(clientId, secret) } });
  const poll = (clientId: string, deviceCode: string) =>
    post(`${server.url}/oauth/token`, { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: deviceCode, client_id: clientId });
  const refresh = (clientId: string, refreshToken: string) =>
    post(`${server.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });
  const introspect = (token: string) =>
    post(`${server.url}/oauth/introspect`, { token }, { headers: { authorization: basic('demo-api', 'demo-api-secret') } });

  /** A device flow to the end for a public client: tokens, plus a second grant left pending. */
  async function tokensFor(clientId: string): Promise<{ accessToken: string; refreshToken: string; pendingCode: string }> {
    const code = await authorize(clientId);
    assert.equal(code.status, 200, code.text);
    await server.grants.approve(code.body.user_code, 'alice');
    const tokens = await poll(clientId, code.body.device_code);
    assert.equal(tokens.status, 200, tokens.text);
    const pending = await authorize(clientId);
    assert.equal(pending.status, 200, pending.text);
    return { accessToken: tokens.body.access_token, refreshToken: tokens.body.refresh_token, pendingCode: pending.body.device_code };
  }

  test('clients add --public: a random id, usable at once; list shows it and no secret', async () => {
    const added = await adminOk(db.url, 'clients', 'add', '--name', 'Kitchen sensor fleet', '--public', '--scopes', 'openid offline_access telemetry:write', '--json');
    assert.match(added.clientId, /^[0-9a-f]{32}$/, '128 random bits');
    assert.equal(added.type, 'public');
    assert.equal(added.clientSecret, undefined);
    assert.deepEqual(added.scopes, ['openid', 'offline_access', 'telemetry:write']);
    const { refreshToken } = await tokensFor(added.clientId);
    assert.equal((await refresh(added.clientId, refreshToken)).status, 200);

    const table = await adminOk(db.url, 'clients', 'list');
    const row = table.split('\n').find((line: string) => line.startsWith(added.clientId));
    assert.ok(row, table);
    assert.match(row, /Kitchen sensor fleet\s+public\s+enabled\s+openid offline_access telemetry:write\s+device_code,refresh_token/);
    assert.match(table.split('\n')[0], /^CLIENT ID\s+NAME\s+TYPE\s+STATUS/);
    assert.ok(table.includes('demo-confidential'));
    assert.doesNotMatch(table, /scrypt|secret_hash|demo-secret/);
    const json = await adminOk(db.url, 'clients', 'list', '--json');
    assert.ok(json.every((client: object) => !Object.keys(client).some((key) => /secret(?!ExpiresAt)|hash/i.test(key))));
  });

  test('clients add --confidential: the secret is printed once, stored only as an scrypt hash, and authenticates', async () => {
    const run = await admin(db.url, 'clients', 'add', '--name', 'Billing backend', '--confidential', '--scopes', 'openid', '--id', 'billing-backend', '--access-token-ttl', '300');
    assert.equal(run.code, 0, run.stderr);
    const secret = /client_secret\s+(\S+)/.exec(run.stdout)?.[1];
    assert.match(secret ?? '', /^[A-Za-z0-9_-]{43}$/, '256 random bits');
    assert.match(run.stdout, /client_id\s+billing-backend/);
    assert.match(run.stdout, /shown only this once/);

    const stored = await server.app.get(DataSource).query(`SELECT "secret_hash" FROM "dg_client" WHERE "client_id" = 'billing-backend'`);
    assert.match(stored[0].secret_hash, /^scrypt\$/);
    assert.ok(!readFileSync(db.url.slice('sqlite:'.length)).includes(secret!), 'the secret is nowhere in the database file');

    const answer = await authorize('billing-backend', secret!, 'openid');
    assert.equal(answer.status, 200, answer.text);
    await server.grants.approve(answer.body.user_code, 'alice');
    const tokens = await post(`${server.url}/oauth/token`, { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: answer.body.device_code }, { headers: { authorization: basic('billing-backend', secret!) } });
    assert.equal(tokens.status, 200, tokens.text);
    assert.equal(tokens.body.expires_in, 300, 'the client lifetime applies');
    assert.ok(!(await adminOk(db.url, 'clients', 'list')).includes(secret!));
  });

  test('clients rotate-secret --grace: both secrets work during the grace period, only the new one after', async () => {
    const added = await adminOk(db.url, 'clients', 'add', '--name', 'Rotating', '--confidential', '--scopes', 'openid', '--json');
    const oldSecret = added.clientSecret as string;
    const rotated = await adminOk(db.url, 'clients', 'rotate-secret', added.clientId, '--grace', '10', '--json');
    assert.match(rotated.secret, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(rotated.secret, oldSecret);
    assert.ok(rotated.previousSecretExpiresAt > Date.now() && rotated.previousSecretExpiresAt <= Date.now() + 10_000);

    await clientCacheExpiry();
    assert.ok(Date.now() < rotated.previousSecretExpiresAt - 1_000, 'still inside the grace period');
    assert.equal((await authorize(added.clientId, oldSecret, 'openid')).status, 200, 'old secret within the grace period');
    assert.equal((await authorize(added.clientId, rotated.secret, 'openid')).status, 200, 'new secret');

    clock.ahead = Math.max(clock.ahead, rotated.previousSecretExpiresAt + 1 - Date.now()); // the grace period is over
    assertOAuthError(await authorize(added.clientId, oldSecret, 'openid'), 'invalid_client', 401);
    assert.equal((await authorize(added.clientId, rotated.secret, 'openid')).status, 200);

    const human = await admin(db.url, 'clients', 'rotate-secret', added.clientId, '--grace', '0');
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^New secret for [0-9a-f]{32}\n {2}client_secret {2}[A-Za-z0-9_-]{43}\n.*shown only this once.*\nThe previous secret no longer works\.\n$/);
  });

  test('clients disable: token and refresh fail with invalid_client, access tokens are revoked; enable brings refresh back', async () => {
    const added = await adminOk(db.url, 'clients', 'add', '--name', 'Living room TVs', '--public', '--scopes', 'openid offline_access', '--json');
    const { accessToken, refreshToken, pendingCode } = await tokensFor(added.clientId);
    assert.equal((await introspect(accessToken)).body.active, true);

    const disabled = await admin(db.url, 'clients', 'disable', added.clientId);
    assert.equal(disabled.code, 0, disabled.stderr);
    assert.match(disabled.stdout, /Disabled/);
    await clientCacheExpiry();
    assertOAuthError(await poll(added.clientId, pendingCode), 'invalid_client', 401);
    assertOAuthError(await refresh(added.clientId, refreshToken), 'invalid_client', 401);
    assertOAuthError(await authorize(added.clientId), 'invalid_client', 401);
    assert.deepEqual((await introspect(accessToken)).body, { active: false });
    assert.match(await adminOk(db.url, 'clients', 'list'), new RegExp(`${added.clientId}.*disabled`));

    assert.equal((await admin(db.url, 'clients', 'enable', added.clientId)).code, 0);
    await clientCacheExpiry();
    assert.equal((await refresh(added.clientId, refreshToken)).status, 200, 'the refresh token survived the disable');
  });

  test('clients delete: its grants and tokens die, even if the id is registered again', async () => {
    await adminOk(db.url, 'clients', 'add', '--name', 'Doomed fleet', '--public', '--scopes', 'openid offline_access', '--id', 'doomed-fleet');
    const { accessToken, refreshToken, pendingCode } = await tokensFor('doomed-fleet');

    const deleted = await admin(db.url, 'clients', 'delete', 'doomed-fleet');
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, /removed 1 pending grant\(s\); revoked 1 grant\(s\), 1 refresh token\(s\) and 1 access token\(s\)/);
    await clientCacheExpiry();
    assertOAuthError(await refresh('doomed-fleet', refreshToken), 'invalid_client', 401);
    assertOAuthError(await poll('doomed-fleet', pendingCode), 'invalid_client', 401);
    assert.deepEqual((await introspect(accessToken)).body, { active: false });
    assert.ok(!(await adminOk(db.url, 'clients', 'list')).includes('doomed-fleet'));

    await adminOk(db.url, 'clients', 'add', '--name', 'Doomed fleet, again', '--public', '--scopes', 'openid offline_access', '--id', 'doomed-fleet');
    assertOAuthError(await refresh('doomed-fleet', refreshToken), 'invalid_grant');
    assertOAuthError(await poll('doomed-fleet', pendingCode), 'invalid_grant');
  });

  test('validation errors exit 1 with a message that says what to fix; other failures exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['clients', 'add', '--name', '   ', '--public'], /needs a name/],
      [['clients', 'add', '--name', 'Sensors', '--public', '--scopes', 'openid admin:all'], /unknown scope "admin:all"; this server knows: openid, profile, offline_access, telemetry:write/],
      [['clients', 'add', '--name', 'Copy', '--public', '--id', 'demo-device'], /a client with id "demo-device" already exists/],
      [['clients', 'add', '--name', 'Sensors', '--public', '--id=-x'], /client id "-x" is not valid/],
      [['clients', 'add', '--name', 'Sensors', '--public', '--access-token-ttl', '0'], /access-token lifetime must be a whole number of seconds from 1 to 86400, got 0/],
      [['clients', 'add', '--name', 'Sensors', '--public', '--refresh-token-ttl', 'soon'], /--refresh-token-ttl must be a whole number of seconds, got "soon"/],
      [['clients', 'add', '--name', 'Sensors', '--public', '--grant-types', 'password'], /unknown grant type "password"/],
      [['clients', 'add', '--name', 'Sensors', '--public', '--grant-types', 'constructor'], /unknown grant type "constructor"/],
      [['clients', 'add', '--name', 'Sensors', '--public', '--scopes', '__proto__ toString'], /unknown scopes "__proto__", "toString"/],
      [['keys', 'revoke'], /keys revoke takes one KID/],
      [['keys', 'revoke', 'no-such-kid'], /no signing key no-such-kid, or it is revoked already \(see keys list\)/],
      [['sessions', 'frobnicate'], /unknown command: sessions frobnicate/],
      [['clients', 'add', '--name', 'Sensors'], /--public .* or --confidential/],
      [['clients', 'rotate-secret', 'demo-device'], /demo-device is public: it has no secret to rotate/],
      [['clients', 'rotate-secret', 'demo-confidential', '--grace=-5'], /--grace must be a whole number of seconds/],
      [['clients', 'disable', 'no-such-client'], /there is no client "no-such-client"/],
      [['clients', 'frobnicate'], /unknown command: clients frobnicate/],
      [['clients', 'list', '--colour'], /Unknown option '--colour'/],
    ];
    const runs = await Promise.all(cases.map(([args]) => admin(db.url, ...args)));
    runs.forEach((run, i) => {
      assert.equal(run.code, 1, `${cases[i][0].join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, cases[i][1], cases[i][0].join(' '));
      assert.equal(run.stdout, '');
    });
    const list = await adminOk(db.url, 'clients', 'list', '--json');
    assert.ok(!list.some((client: { name: string }) => ['Sensors', 'Copy'].includes(client.name)), 'nothing was added');

    const broken = await admin('mysql://db.example/x', 'clients', 'list');
    assert.equal(broken.code, 2, broken.stderr);
    assert.match(broken.stderr, /Unsupported DATABASE_URL/);
    const help = await admin(db.url, '--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /clients rotate-secret CLIENT_ID \[--grace SECONDS\]/);
  });
});
