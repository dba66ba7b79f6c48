import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DeviceGrantEvent } from '../../src/events/device-grant-events.js';
import { poll, refresh, requestDeviceCode } from '../support/device-flow.js';
import { post } from '../support/http.js';
import { startServer, TestClock, type TestServer } from '../support/test-server.js';
import { Visitor } from '../support/visitor.js';

describe('events', () => {
  const clock = new TestClock();
  let server: TestServer;
  const seen: { name: string; payload: Record<string, unknown> }[] = [];

  before(async () => {
    server = await startServer({ clock });
    server.app.get(EventEmitter2).onAny((name, payload) => {
      seen.push({ name: String(name), payload: payload as Record<string, unknown> });
    });
  });
  after(() => server.close());

  const named = (name: string) => seen.filter((event) => event.name === name);

  test('a device\'s life emits requested, approved, issued, refreshed, retried, revoked, reuse detected; denied, expired and lockout too; no secret in any payload', async () => {
    const secrets: string[] = [];
    const code = await requestDeviceCode(server.url, { scope: 'openid offline_access', device_name: 'Events TV' });
    secrets.push(code.device_code);
    const requested = named(DeviceGrantEvent.GrantRequested).at(-1)!;
    assert.equal(requested.payload.clientId, 'demo-device');
    assert.equal(requested.payload.deviceName, 'Events TV');
    const grantId = requested.payload.grantId;

    await server.grants.approve(code.user_code, 'alice');
    assert.deepEqual(named(DeviceGrantEvent.GrantApproved).at(-1)!.payload.grantId, grantId);
    const tokens = await poll(server.url, code.device_code);
    secrets.push(tokens.body.access_token, tokens.body.refresh_token);
    const issued = named(DeviceGrantEvent.TokenIssued).at(-1)!.payload;
    assert.equal(issued.grantId, grantId);
    assert.equal(issued.subject, 'alice');
    assert.equal(issued.refreshToken, true);
    assert.match(String(issued.jti), /^[0-9a-f-]{36}$/);

    const rotated = await refresh(server.url, tokens.body.refresh_token);
    secrets.push(rotated.body.refresh_token, rotated.body.access_token);
    assert.equal(named(DeviceGrantEvent.TokenRefreshed).length, 1);
    // The same token again at once: a retry of a lost answer (its successor unused).
    const retried = await refresh(server.url, tokens.body.refresh_token);
    assert.equal(retried.status, 200, retried.text);
    secrets.push(retried.body.refresh_token, retried.body.access_token);
    assert.equal(named(DeviceGrantEvent.RefreshRetried).at(-1)!.payload.grantId, grantId);
    await post(`${server.url}/oauth/revoke`, { token: retried.body.refresh_token, client_id: 'demo-device' });
    assert.equal(named(DeviceGrantEvent.TokenRevoked).at(-1)!.payload.what, 'refresh_token_family');
    // The superseded token turns up: two holders.
    await refresh(server.url, rotated.body.refresh_token);
    assert.equal(named(DeviceGrantEvent.RefreshReuseDetected).at(-1)!.payload.grantId, grantId);

    const denied = await requestDeviceCode(server.url);
    await server.grants.deny(denied.user_code);
    assert.equal(named(DeviceGrantEvent.GrantDenied).length, 1);
    const expiring = await requestDeviceCode(server.url);
    clock.advance(601);
    await poll(server.url, expiring.device_code);
    assert.equal(named(DeviceGrantEvent.GrantExpired).length, 1);

    // Two sessions of 5 wrong codes: each session is locked, and with the 10th the address.
    for (const visitor of [Visitor.at(server.url), Visitor.at(server.url)]) {
      let page = await visitor.request('/activate');
      for (let i = 0; i < 5; i++) {
        page = await visitor.request('/activate', { csrf: Visitor.csrf(page.text), user_code: `BBBB-BBB${'CDFGH'[i]}` });
      }
    }
    const lockouts = named(DeviceGrantEvent.Lockout).map((event) => event.payload);
    assert.equal(lockouts.filter((lockout) => lockout.scope === 'code:session' && lockout.ip === undefined).length, 2);
    assert.deepEqual(lockouts.filter((lockout) => lockout.scope === 'code:ip').map((lockout) => lockout.ip), ['127.0.0.1']);

    const everything = JSON.stringify(seen);
    for (const secret of secrets) assert.ok(!everything.includes(secret), 'an event carried a secret');
  });
});
