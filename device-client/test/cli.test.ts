import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { FakeAuthorizationServer } from '../test-support/helpers/fake-authorization-server.js';

const cli = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const cleanup: (() => Promise<void>)[] = [];
after(() => Promise.all(cleanup.map((f) => f())));

function deviceGrant(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, DEVICE_GRANT_ISSUER: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function fixture(options = {}) {
  const server = await FakeAuthorizationServer.start({ interval: 0, ...options });
  const dir = await mkdtemp(join(tmpdir(), 'device-grant-cli-'));
  cleanup.push(() => server.close(), () => rm(dir, { recursive: true, force: true }));
  const common = ['--issuer', server.issuer, '--client-id', 'tv-1', '--store', join(dir, 'tokens.json')];
  return { server, common };
}

describe('device-grant CLI', () => {
  it('login → token → status → logout, with exit codes a script can act on', async () => {
    const { server, common } = await fixture({ approveAfterPolls: 2 });
    const login = await deviceGrant(['login', ...common, '--scope', 'read', '--device-name', 'TV']);
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stderr, new RegExp(server.latestGrant().userCode));
    assert.match(login.stderr, /Paired\./);
    assert.equal(server.requests('/device_authorization')[0]!.params.get('device_name'), 'TV');

    const token = await deviceGrant(['token', ...common]);
    assert.equal(token.code, 0, token.stderr);
    assert.ok(server.accessTokens.has(token.stdout.trim()));

    const status = await deviceGrant(['status', ...common]);
    assert.equal(JSON.parse(status.stdout).paired, true);

    const logout = await deviceGrant(['logout', ...common]);
    assert.equal(logout.code, 0, logout.stderr);
    assert.equal(server.revoked.length, 1);

    const again = await deviceGrant(['token', ...common]);
    assert.equal(again.code, 5, 'not paired');
  });

  it('exits 3 when the user denies, 2 on bad usage', async () => {
    const { server, common } = await fixture();
    server.override('/token', { error: 'access_denied' });
    assert.equal((await deviceGrant(['login', ...common, '--no-qr'])).code, 3);
    assert.equal((await deviceGrant(['login', '--client-id', 'x'])).code, 2);
    assert.equal((await deviceGrant(['fly', ...common])).code, 2);
  });
});
