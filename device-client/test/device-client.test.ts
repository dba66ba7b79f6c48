import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  DEVICE_CLIENT_USER_AGENT,
  DeviceClient,
  DeviceMustPairAgainError,
  FileTokenStore,
  MemoryTokenStore,
  type StoredState,
  type TokenStore,
} from '../src/index.js';
import { FakeAuthorizationServer } from '../test-support/helpers/fake-authorization-server.js';
import { run, waitFor } from '../test-support/helpers/child.js';
import { setup } from '../test-support/helpers/setup.js';

const servers: FakeAuthorizationServer[] = [];
const dirs: string[] = [];
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function make(...args: Parameters<typeof setup>) {
  const s = await setup(...args);
  servers.push(s.server);
  return s;
}

async function storePath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'device-client-'));
  dirs.push(dir);
  return join(dir, 'tokens.json');
}

/** A paired client whose access token is about to expire. */
async function paired(serverOptions = {}, clientOptions = {}) {
  const s = await make({ approveAfterPolls: 1, accessTokenTtl: 3600, ...serverOptions }, clientOptions);
  const tokens = await s.client.login();
  s.clock.advance(3600_000);
  return { ...s, tokens };
}

describe('resume after reboot (RFC 8628 §3.5)', () => {
  it('a new client on the same store shows the same code and keeps polling the same grant, with the stored interval', async () => {
    const path = await storePath();
    const { server, clock, newClient } = await make({ interval: 5 }, { store: new FileTokenStore(path) });
    server.override('/token', { error: 'slow_down' });
    const before = newClient();
    const controller = new AbortController();
    clock.onSleep = () => {
      if (server.requests('/token').length === 2) controller.abort(new Error('power lost'));
    };
    const shown: string[] = [];
    await assert.rejects(
      before.login({ signal: controller.signal, onPrompt: (p) => void shown.push(p.userCode) }),
      /power lost/,
    );
    clock.onSleep = undefined;

    // "Reboot": a new store object and a new client, same file.
    const after = newClient({ store: new FileTokenStore(path) });
    const resumedFlags: boolean[] = [];
    const polling = after.login({
      onPrompt: (p, { resumed }) => {
        shown.push(p.userCode);
        resumedFlags.push(resumed);
        server.approve();
      },
    });
    const tokens = await polling;
    assert.equal(server.requests('/device_authorization').length, 1, 'no new device code');
    assert.deepEqual(resumedFlags, [true]);
    assert.equal(shown[0], shown[1]);
    const polls = server.requests('/token');
    assert.equal(new Set(polls.map((p) => p.params.get('device_code'))).size, 1);
    assert.equal(polls[2]!.at - polls[1]!.at >= 10_000, true, 'the slowed-down interval survived the reboot');
    const stored = await new FileTokenStore(path).load();
    assert.equal(stored?.pending, undefined);
    assert.equal(stored?.tokens?.accessToken, tokens.accessToken);
  });

  it('an expired pending authorization is dropped and a new one started', async () => {
    const { server, clock, client, newClient } = await make({ expiresIn: 60, approveAfterPolls: 1 });
    const first = await client.start();
    clock.advance(60_000);
    const second = await newClient().login();
    assert.ok(second.accessToken);
    assert.equal(server.requests('/device_authorization').length, 2);
    assert.notEqual(server.latestGrant().deviceCode, first.deviceCode);
  });
});

describe('getAccessToken (RFC 6749 §6)', () => {
  it('returns the stored token until it is within the leeway of expiry, then refreshes', async () => {
    const { server, clock, client, newClient } = await make({ approveAfterPolls: 1, accessTokenTtl: 3600 });
    const tokens = await client.login();
    clock.advance(3600_000 - 61_000);
    assert.equal(await client.getAccessToken(), tokens.accessToken);
    assert.equal(server.refreshCount, 0);
    clock.advance(2000);
    assert.notEqual(await client.getAccessToken(), tokens.accessToken);
    assert.equal(server.refreshCount, 1);
    const lazy = newClient({ refreshLeeway: 0 });
    clock.advance(3600_000 - 10_000);
    await lazy.getAccessToken();
    assert.equal(server.refreshCount, 1, 'leeway is configurable');
  });

  it('concurrent callers share one refresh, and the rotated refresh token is stored', async () => {
    const { server, client, store, tokens } = await paired({ refreshDelayMs: 50 });
    const results = await Promise.all(Array.from({ length: 8 }, () => client.getAccessToken()));
    assert.equal(server.refreshCount, 1);
    assert.equal(new Set(results).size, 1);
    const stored = (await store.load())!.tokens!;
    assert.equal(stored.accessToken, results[0]);
    assert.notEqual(stored.refreshToken, tokens.refreshToken);
    assert.ok(server.refreshTokens.has(stored.refreshToken!), 'the rotated refresh token is the one stored');
    assert.equal(server.requests('/token').at(-1)!.params.get('refresh_token'), tokens.refreshToken);
  });

  it('retries a refresh that meets a 5xx or a dropped connection', async () => {
    const { server, client, tokens } = await paired();
    server.override('/token', { status: 502 }, 'destroy');
    const access = await client.getAccessToken();
    assert.notEqual(access, tokens.accessToken);
    assert.equal(server.refreshCount, 1);
  });

  it('keeps the refresh token when the server does not rotate it', async () => {
    const { client, store, tokens } = await paired({ rotate: false });
    await client.getAccessToken();
    assert.equal((await store.load())!.tokens!.refreshToken, tokens.refreshToken);
  });

  it('does not hand out the new access token when the rotated refresh token could not be saved', async () => {
    const inner = new MemoryTokenStore();
    let failSaves = false;
    const store: TokenStore = {
      load: () => inner.load(),
      clear: () => inner.clear(),
      save: async (state: StoredState) => {
        if (failSaves) throw new Error('disk full');
        return inner.save(state);
      },
    };
    const { client } = await paired({}, { store });
    failSaves = true;
    await assert.rejects(client.getAccessToken(), /disk full/);
  });

  it('invalid_grant on refresh clears the store and says the device must pair again', async () => {
    const path = await storePath();
    const { server, client } = await paired({}, { store: new FileTokenStore(path) });
    server.refreshTokens.clear();
    const error = await client.getAccessToken().catch((e: unknown) => e);
    assert.ok(error instanceof DeviceMustPairAgainError);
    assert.equal(error.reason, 'invalid_grant');
    await assert.rejects(stat(path), { code: 'ENOENT' });
    await assert.rejects(client.getAccessToken(), (e) => e instanceof DeviceMustPairAgainError && e.reason === 'no_tokens');
  });

  it('invalid_grant after another process rotated the token: the store is read again and its token used; nothing is cleared', async () => {
    const inner = new MemoryTokenStore();
    let reads = 0;
    let staleRead: StoredState | undefined;
    // The reads before the refresh is sent (getAccessToken's and the refresh's own) see the state as it
    // was; another process rotates right after them.
    const store: TokenStore = {
      load: async () => (reads++ < 2 && staleRead ? staleRead : inner.load()),
      save: (state: StoredState) => inner.save(state),
      clear: () => inner.clear(),
    };
    const { server, client, tokens } = await paired({}, { store });
    const rotated = server.issueTokens();
    server.refreshTokens.delete(tokens.refreshToken!);
    staleRead = { tokens };
    reads = 0;
    await inner.save({ tokens: { ...tokens, accessToken: 'other-process-access', refreshToken: rotated.refresh_token, expiresAt: 0 } });
    const access = await client.getAccessToken({ forceRefresh: true });
    assert.ok(server.accessTokens.has(access), 'a token from the retried refresh');
    const sent = server.requests('/token').slice(-2).map((request) => request.params.get('refresh_token'));
    assert.deepEqual(sent, [tokens.refreshToken, rotated.refresh_token], 'the stale token, then the one the store holds now');
    assert.ok((await inner.load())?.tokens?.refreshToken, 'still paired');
  });

  it('a transport error, a 5xx and an answer that is no token response never clear the store', async () => {
    for (const fault of [{ status: 503 }, { status: 502, body: '<html>Bad Gateway</html>' }, { status: 200, body: '{"access_tok' }] as const) {
      const { server, client, store } = await paired({}, { retry: { maxAttempts: 1 } });
      server.override('/token', fault);
      await assert.rejects(client.getAccessToken({ forceRefresh: true }), (error) => !(error instanceof DeviceMustPairAgainError), JSON.stringify(fault));
      assert.ok((await store.load())?.tokens?.refreshToken, `still paired after ${JSON.stringify(fault)}`);
    }
  });

  it('two processes sharing a file store make exactly one refresh (lock file)', async () => {
    const server = await FakeAuthorizationServer.start({ refreshDelayMs: 1000 });
    servers.push(server);
    const path = await storePath();
    const issued = server.issueTokens();
    await new FileTokenStore(path).save({
      tokens: {
        accessToken: issued.access_token,
        tokenType: 'Bearer',
        refreshToken: issued.refresh_token,
        issuedAt: Date.now() - 3_700_000,
        expiresAt: Date.now() - 100_000,
      },
    });
    const children = [run('refresh', [path, server.url]), run('refresh', [path, server.url])];
    await Promise.all(children.map((c) => waitFor(c.child, 'ready')));
    for (const { child } of children) child.stdin!.end('go\n');
    const outputs = await Promise.all(children.map((c) => c.output));
    for (const output of outputs) assert.equal(output.code, 0, output.stderr);
    const [first, second] = outputs.map((o) => JSON.parse(o.stdout.split('\n')[1]!) as { startedAt: number; token: string });
    assert.equal(server.refreshCount, 1);
    assert.ok(first!.startedAt < server.refreshAnsweredAt && second!.startedAt < server.refreshAnsweredAt, 'both asked while the refresh was in flight');
    assert.equal(first!.token, second!.token);
    assert.ok(server.accessTokens.has(first!.token));
    const stored = await new FileTokenStore(path).load();
    assert.ok(server.refreshTokens.has(stored!.tokens!.refreshToken!));
    await assert.rejects(stat(`${path}.lock`), { code: 'ENOENT' }, 'the lock was released');
  });
});

describe('User-Agent', () => {
  it('names the package and its version, and the device model when given, on every request to the server', async () => {
    const packageJson = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
    assert.equal(DEVICE_CLIENT_USER_AGENT, `${packageJson.name}/${packageJson.version}`);
    const { server, client } = await make({ approveAfterPolls: 1 }, { device: { name: 'Hall TV', model: 'TV-4K (2026)\u0007' } });
    await client.login();
    const agents = new Set(server.log.map((request) => request.userAgent));
    assert.deepEqual([...agents], [`${DEVICE_CLIENT_USER_AGENT} (TV-4K 2026)`]);
    const plain = await make({ approveAfterPolls: 1 });
    await plain.client.login();
    assert.deepEqual([...new Set(plain.server.log.map((request) => request.userAgent))], [DEVICE_CLIENT_USER_AGENT]);
  });
});

describe('fetchWithToken (RFC 6750)', () => {
  it('sends the bearer token; after a 401 it refreshes once and retries once', async () => {
    const { server, clock, client } = await make({ approveAfterPolls: 1 });
    const tokens = await client.login();
    clock.advance(1000);
    const ok = await client.fetchWithToken(`${server.url}/resource`);
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { token: string }).token, tokens.accessToken);

    server.accessTokens.delete(tokens.accessToken);
    const retried = await client.fetchWithToken(new Request(`${server.url}/resource`, { headers: { 'x-test': '1' } }));
    assert.equal(retried.status, 200);
    assert.equal(server.refreshCount, 1);
    assert.equal(server.requests('/resource').length, 3);

    // A resource that refuses every token: one refresh, one retry, then the 401 is returned.
    server.accessTokens.clear();
    const stubborn = new DeviceClient({
      clientId: 'device-1',
      endpoints: server.endpoints,
      store: client.store,
      clock,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (String(input).endsWith('/token')) server.accessTokens.clear();
        return response;
      },
    });
    const refused = await stubborn.fetchWithToken(`${server.url}/resource`);
    assert.equal(refused.status, 401, 'only one retry');
    assert.equal(server.requests('/resource').length, 5);
    assert.equal(server.refreshCount, 2);
  });

  it('never sends the bearer token over plain http to a host other than loopback, unless insecure requests are allowed', async () => {
    const { server, clock, client } = await make({ approveAfterPolls: 1 });
    await client.login();
    const sent: string[] = [];
    const recording = (allowInsecureRequests: boolean) =>
      new DeviceClient({
        clientId: 'device-1',
        endpoints: server.endpoints,
        store: client.store,
        clock,
        allowInsecureRequests,
        fetch: async (input, init) => {
          sent.push(String(input instanceof Request ? input.url : input));
          return input === server.endpoints.tokenEndpoint ? fetch(input, init) : new Response('{}', { status: 200 });
        },
      });
    for (const url of ['http://api.example.com/me', new URL('http://192.0.2.10/me'), new Request('http://api.example.com/me')]) {
      await assert.rejects(recording(false).fetchWithToken(url), /only https URLs are allowed/);
    }
    assert.deepEqual(sent, [], 'nothing was sent');
    assert.equal((await recording(false).fetchWithToken('https://api.example.com/me')).status, 200);
    assert.equal((await recording(true).fetchWithToken('http://api.example.com/me')).status, 200, 'allowed explicitly');
  });
});

describe('logout (RFC 7009)', () => {
  it('revokes the refresh token and deletes the store', async () => {
    const path = await storePath();
    const { server, client, tokens } = await paired({}, { store: new FileTokenStore(path) });
    assert.deepEqual(await client.logout(), { revoked: true });
    assert.deepEqual(server.revoked, [{ token: tokens.refreshToken, hint: 'refresh_token' }]);
    assert.equal(server.requests('/revoke')[0]!.params.get('client_id'), 'device-1');
    await assert.rejects(readFile(path), { code: 'ENOENT' });
    assert.ok(!server.refreshTokens.has(tokens.refreshToken!));
  });

  it('without a revocation endpoint it only deletes the store', async () => {
    const { server, client, store } = await paired({ revocation: false });
    assert.deepEqual(await client.logout(), { revoked: false });
    assert.equal(server.requests('/revoke').length, 0);
    assert.equal(await store.load(), undefined);
  });
});

describe('status', () => {
  it('reports pairing, expiry and a pending authorization', async () => {
    const { clock, client } = await make({ approveAfterPolls: 1 });
    assert.deepEqual(await client.status(), { paired: false, accessTokenFresh: false, canRefresh: false });
    const pending = await client.start();
    assert.equal((await client.status()).pending?.userCode, pending.userCode);
    const tokens = await client.poll(pending);
    const status = await client.status();
    assert.equal(status.paired, true);
    assert.equal(status.accessTokenFresh, true);
    assert.equal(status.canRefresh, true);
    assert.equal(status.accessTokenExpiresAt, tokens.expiresAt);
    clock.advance(3600_000);
    assert.equal((await client.status()).accessTokenFresh, false);
  });
});
