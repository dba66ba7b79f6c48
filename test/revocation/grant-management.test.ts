import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GrantManagementService } from '../../src/grants/grant-management.service.js';
import { poll, refresh, requestDeviceCode } from '../support/device-flow.js';
import { basic, post } from '../support/http.js';
import { assertOAuthError } from '../support/oauth-assertions.js';
import { startServer, TestClock, type TestServer } from '../support/test-server.js';

/** The service behind the "devices you approved" page (the page itself comes with the sign-in session). */
describe('grant management: a person lists and disconnects their devices', () => {
  const clock = new TestClock();
  let server: TestServer;
  let grants: GrantManagementService;

  before(async () => {
    server = await startServer({ clock });
    grants = server.app.get(GrantManagementService);
  });
  after(() => server.close());

  async function connect(subject: string, deviceName: string, scope = 'openid offline_access'): Promise<any> {
    const code = await requestDeviceCode(server.url, { scope, device_name: deviceName, device_model: 'Model 1' });
    await server.grants.approve(code.user_code, subject);
    const tokens = await poll(server.url, code.device_code);
    assert.equal(tokens.status, 200, tokens.text);
    return tokens.body;
  }

  const introspect = (token: string) =>
    post(`${server.url}/oauth/introspect`, { token }, { headers: { authorization: basic('demo-api', 'demo-api-secret') } });

  test('lists the approved devices with client, device details, approval time and last use', async () => {
    const approvedAt = clock.now();
    const tv = await connect('carol', 'Kitchen TV');
    clock.advance(60);
    await connect('carol', 'Thermostat', 'openid');
    await connect('dave', 'Dave TV');
    clock.advance(60);
    const refreshed = await refresh(server.url, tv.refresh_token);
    assert.equal(refreshed.status, 200);

    const list = await grants.listApproved('carol');
    assert.deepEqual(list.map((grant) => grant.device.name), ['Kitchen TV', 'Thermostat'], 'most recently used first');
    const [kitchen] = list;
    assert.equal(kitchen.clientId, 'demo-device');
    assert.equal(kitchen.clientName, 'Demo device');
    assert.deepEqual(kitchen.scopes, ['openid', 'offline_access']);
    assert.deepEqual(kitchen.device, { name: 'Kitchen TV', model: 'Model 1', serial: null });
    assert.equal(kitchen.approvedAt, approvedAt);
    assert.equal(kitchen.lastUsedAt, clock.now(), 'the refresh counts as use');
    assert.match(kitchen.grantId, /^[0-9a-f-]{36}$/);

    // A device without a refresh token drops off the list once its access token has expired.
    clock.advance(600);
    assert.deepEqual((await grants.listApproved('carol')).map((grant) => grant.device.name), ['Kitchen TV']);
  });

  test("disconnecting revokes the device's tokens: its next refresh is invalid_grant", async () => {
    const tokens = await connect('erin', 'Garage sensor');
    const [grant] = await grants.listApproved('erin');
    assert.equal(grant.device.name, 'Garage sensor');
    assert.equal((await introspect(tokens.access_token)).body.active, true);

    assert.equal(await grants.disconnect('mallory', grant.grantId), false, 'only the person who approved it');
    assert.equal(await grants.disconnect('erin', 'not-a-grant-id'), false);
    assert.equal(await grants.disconnect('erin', grant.grantId), true);
    assert.equal(await grants.disconnect('erin', grant.grantId), false, 'once');

    assertOAuthError(await refresh(server.url, tokens.refresh_token), 'invalid_grant');
    assert.deepEqual((await introspect(tokens.access_token)).body, { active: false });
    assert.deepEqual(await grants.listApproved('erin'), []);
  });

  test('disconnecting an approved device before it picked up its tokens: the poll is invalid_grant', async () => {
    const code = await requestDeviceCode(server.url, { device_name: 'Slow device' });
    await server.grants.approve(code.user_code, 'frank');
    const [grant] = await grants.listApproved('frank');
    assert.equal(grant.lastUsedAt, null);
    assert.equal(await grants.disconnect('frank', grant.grantId), true);
    assertOAuthError(await poll(server.url, code.device_code), 'invalid_grant');
  });
});
