import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import {
  AccessDeniedError,
  DEVICE_CODE_GRANT_TYPE,
  ExpiredTokenError,
  InvalidGrantError,
  ResponseValidationError,
  TransportError,
} from '../src/index.js';
import { gaps, setup } from '../test-support/helpers/setup.js';
import type { FakeAuthorizationServer } from '../test-support/helpers/fake-authorization-server.js';

const servers: FakeAuthorizationServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function make(...args: Parameters<typeof setup>) {
  const s = await setup(...args);
  servers.push(s.server);
  return s;
}

describe('start (RFC 8628 §3.1–3.2)', () => {
  it('sends client_id, scope and device details, and counts the deadline from when the request was sent', async () => {
    const { clock, server, newClient } = await make({ expiresIn: 600 });
    const client = newClient({
      scope: ['read', 'write'],
      device: { name: 'Living room TV', model: 'TV-9', serial: 'SN 42' },
      // A slow network: 3 s pass while the request is in flight.
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        clock.advance(3000);
        return response;
      },
    });
    const sentAt = clock.now();
    const pending = await client.start();
    const request = server.requests('/device_authorization')[0]!;
    assert.equal(request.params.get('client_id'), 'device-1');
    assert.equal(request.params.get('scope'), 'read write');
    assert.equal(request.params.get('device_name'), 'Living room TV');
    assert.equal(request.params.get('device_model'), 'TV-9');
    assert.equal(request.params.get('device_serial'), 'SN 42');
    assert.equal(pending.requestedAt, sentAt);
    assert.equal(pending.expiresAt, sentAt + 600_000);
    assert.equal(pending.interval, 5, 'interval defaults to 5 s when absent');
    assert.equal(pending.userCode, server.latestGrant().userCode);
    assert.equal(pending.deviceCode, server.latestGrant().deviceCode);
  });

  it('authenticates a confidential client with HTTP Basic, id and secret form-encoded first', async () => {
    const id = 'dev ice:1/é';
    const secret = 'p@ss:w/rd+%&=';
    const { server, newClient } = await make({ client: { id, secret }, approveAfterPolls: 1 });
    const client = newClient({ clientId: id, clientSecret: secret });
    await client.login();
    for (const request of server.log) {
      assert.deepEqual(request.basic, { id, secret });
      assert.equal(request.params.get('client_id'), null, 'one authentication method only');
    }
    const raw = Buffer.from(server.log[0]!.authorization!.slice(6), 'base64').toString();
    assert.equal(raw, 'dev+ice%3A1%2F%C3%A9:p%40ss%3Aw%2Frd%2B%25%26%3D');
  });

  it('rejects a response with a missing or mistyped member', async () => {
    const { server, client } = await make();
    server.override('/device_authorization', { status: 200, body: { device_code: 'x', verification_uri: 'https://a/b', expires_in: 60 } });
    await assert.rejects(client.start(), ResponseValidationError);
    server.override('/device_authorization', {
      status: 200,
      body: { device_code: 'x', user_code: 'U', verification_uri: 'https://a/b', expires_in: '60' },
    });
    await assert.rejects(client.start(), ResponseValidationError);
  });

  it('retries the request on 5xx and network errors, and gives up after maxAttempts', async () => {
    const { clock, server, client, newClient } = await make();
    server.override('/device_authorization', { status: 503, retryAfter: '3' }, 'destroy');
    await client.start();
    assert.equal(server.requests('/device_authorization').length, 3);
    assert.ok(clock.sleeps[0]! >= 3000);

    server.override('/device_authorization', { status: 500 }, { status: 500 }, { status: 500 });
    const error = await newClient({ retry: { maxAttempts: 2 } }).start().catch((e: unknown) => e);
    assert.ok(error instanceof TransportError);
    assert.equal(error.status, 500);
    assert.equal(server.requests('/device_authorization').length, 5);
  });

  it('refuses plain http to a host that is not loopback', async () => {
    const { newClient } = await make();
    let called = false;
    const client = newClient({
      endpoints: { deviceAuthorizationEndpoint: 'http://as.example/device', tokenEndpoint: 'http://as.example/token' },
      fetch: async () => {
        called = true;
        return new Response();
      },
    });
    await assert.rejects(client.start(), TypeError);
    assert.equal(called, false);
  });
});

describe('poll (RFC 8628 §3.4–3.5)', () => {
  it('waits the interval (5 s when absent) before every poll, including the first', async () => {
    const { clock, server, client } = await make({ approveAfterPolls: 3 });
    const pending = await client.start();
    const tokens = await client.poll(pending);
    const polls = server.requests('/token');
    assert.equal(polls.length, 3);
    assert.equal(polls[0]!.at - pending.requestedAt, 5000);
    assert.deepEqual(gaps(polls.map((p) => p.at)), [5000, 5000]);
    assert.deepEqual(clock.sleeps, [5000, 5000, 5000]);
    assert.equal(polls[0]!.params.get('grant_type'), DEVICE_CODE_GRANT_TYPE);
    assert.equal(polls[0]!.params.get('device_code'), pending.deviceCode);
    assert.equal(polls[0]!.params.get('client_id'), 'device-1');
    assert.ok(server.accessTokens.has(tokens.accessToken));
    assert.equal(tokens.expiresAt, polls[2]!.at + 3_600_000);
  });

  it('adds 5 s on every slow_down and keeps the longer interval (and stores it)', async () => {
    const { server, client, store } = await make({ interval: 2, approveAfterPolls: 3 });
    server.override('/token', { error: 'slow_down' }, { error: 'slow_down' });
    const pending = await client.start();
    const stored: number[] = [];
    await client.poll(pending, {
      onSlowDown: async () => {
        stored.push((await store.load())!.pending!.interval);
      },
    });
    const polls = server.requests('/token');
    assert.equal(polls.length, 5);
    assert.deepEqual(gaps([pending.requestedAt, ...polls.map((p) => p.at)]), [2000, 7000, 12000, 12000, 12000]);
    assert.deepEqual(stored, [7, 12]);
  });

  it('never polls at or after the deadline', async () => {
    const { server, client } = await make({ interval: 5, expiresIn: 21 });
    server.override('/token', { error: 'slow_down' });
    const pending = await client.start();
    await assert.rejects(client.poll(pending), ExpiredTokenError);
    const polls = server.requests('/token');
    // 5 s (slow_down → 10), 15 s; the next would be at 25 s > 21 s.
    assert.deepEqual(
      polls.map((p) => p.at - pending.requestedAt),
      [5000, 15000],
    );
    for (const poll of polls) assert.ok(poll.at < pending.expiresAt);
  });

  it('stops with ExpiredTokenError on expired_token and forgets the pending grant', async () => {
    const { server, client, store } = await make();
    server.override('/token', { error: 'authorization_pending' }, { error: 'expired_token' });
    const pending = await client.start();
    const error = await client.poll(pending).catch((e: unknown) => e);
    assert.ok(error instanceof ExpiredTokenError);
    assert.equal(error.status, 400);
    assert.equal((await store.load())?.pending, undefined);
  });

  it('stops with AccessDeniedError when the user denies', async () => {
    const { server, client } = await make();
    const pending = await client.start();
    server.deny();
    const error = await client.poll(pending).catch((e: unknown) => e);
    assert.ok(error instanceof AccessDeniedError);
    assert.equal(error.error, 'access_denied');
    assert.equal(error.errorDescription, 'the user said no');
    assert.equal(server.requests('/token').length, 1);
  });

  it('stops on any other error (invalid_grant)', async () => {
    const { server, client } = await make();
    server.override('/token', { error: 'invalid_grant' });
    const pending = await client.start();
    await assert.rejects(client.poll(pending), InvalidGrantError);
  });

  it('an abort during the wait ends it at once (real timers) and keeps the pending grant', async () => {
    const { server, newClient, store } = await make({ interval: 5 });
    const client = newClient({ clock: {} });
    const pending = await client.start();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    await assert.rejects(client.poll(pending, { signal: controller.signal }), { name: 'AbortError' });
    assert.ok(performance.now() - started < 1000, 'ended long before the 5 s interval');
    assert.equal(server.requests('/token').length, 0);
    assert.equal((await store.load())?.pending?.deviceCode, pending.deviceCode);
  });

  it('an abort during a hung request ends it at once', async () => {
    const { server, newClient } = await make({ interval: 0 });
    const client = newClient({ clock: {}, requestTimeout: 30 });
    server.override('/token', 'hang');
    const pending = await client.start();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100); // real time: the request hangs on a real socket
    const started = performance.now();
    await assert.rejects(client.poll(pending, { signal: controller.signal }), { name: 'AbortError' });
    assert.ok(performance.now() - started < 2000);
  });

  it('retries 5xx with backoff, honouring Retry-After, inside the deadline', async () => {
    const { clock, server, client } = await make({ approveAfterPolls: 1 });
    server.override('/token', { status: 503, retryAfter: '17' }, { status: 500 }, { status: 502 });
    const pending = await client.start();
    await client.poll(pending);
    assert.equal(server.requests('/token').length, 4);
    const [interval, afterRetryAfter, second, third] = clock.sleeps;
    assert.equal(interval, 5000);
    assert.ok(afterRetryAfter! >= 17_000, `Retry-After honoured (${afterRetryAfter})`);
    assert.ok(second! >= 5000 && second! <= 10_000, `never sooner than the interval (${second})`);
    assert.ok(third! >= 5000 && third! <= 20_000, `backs off (${third})`);
  });

  it('retries network errors: dropped connections and a server that refuses for a while', async () => {
    const { clock, server, client } = await make({ approveAfterPolls: 1 });
    server.override('/token', 'destroy', 'destroy');
    const pending = await client.start();
    await client.poll(pending);
    assert.equal(server.grants.get(pending.deviceCode)?.consumed, true);

    const second = await client.start();
    await server.pause();
    let sleeps = 0;
    clock.onSleep = async () => {
      if (++sleeps === 4) await server.listen(server.port);
    };
    const tokens = await client.poll(second);
    assert.ok(server.accessTokens.has(tokens.accessToken));
    assert.equal(sleeps, 4, 'three refused attempts, then success');
  });

  it('gives each request its own timeout and retries a hung request', async () => {
    const { server, newClient } = await make({ approveAfterPolls: 1 });
    const client = newClient({ requestTimeout: 0.2 });
    server.override('/token', 'hang');
    const pending = await client.start();
    const tokens = await client.poll(pending);
    assert.ok(tokens.accessToken);
    assert.equal(server.requests('/token').length, 2);
  });

  it('when failures last until the deadline, ends with ExpiredTokenError caused by a TransportError', async () => {
    const { server, client } = await make({ expiresIn: 60 });
    server.override('/token', ...Array.from({ length: 50 }, () => ({ status: 503 })));
    const pending = await client.start();
    const error = await client.poll(pending).catch((e: unknown) => e);
    assert.ok(error instanceof ExpiredTokenError);
    assert.ok(error.cause instanceof TransportError, 'the last 503 or the request cut short by the deadline');
    const polls = server.requests('/token');
    assert.ok(polls.length >= 3);
    for (const poll of polls) assert.ok(poll.at < pending.expiresAt);
  });

  it('rejects a token response with a token_type it does not understand', async () => {
    const { server, client } = await make();
    server.override('/token', { status: 200, body: { access_token: 'a', token_type: 'DPoP' } });
    const pending = await client.start();
    await assert.rejects(client.poll(pending), ResponseValidationError);
  });

  it('a 4xx without an OAuth error body is a TransportError, not retried', async () => {
    const { server, client } = await make();
    server.override('/token', { status: 404, body: { message: 'nope' } });
    const pending = await client.start();
    const error = await client.poll(pending).catch((e: unknown) => e);
    assert.ok(error instanceof TransportError);
    assert.equal(error.status, 404);
    assert.equal(server.requests('/token').length, 1);
  });
});
