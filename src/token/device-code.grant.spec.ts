import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { deviceCodeKey } from '../device-authorization/device-code.js';
import { AccessDenied, AuthorizationPending, ExpiredToken, InvalidGrant, SlowDown, UnauthorizedClient } from '../oauth-errors/oauth-error.js';
import { beforeNextCall, DEVICE, formRequest, grantRequest, unitKit, type UnitKit } from '../testing/unit-kit.js';
import type { TokenResponse } from '../tokens/token-response.js';
import { DEVICE_CODE_GRANT_TYPE } from '../constants.js';
import { DeviceGrantEvent } from '../events/device-grant-events.js';

const options = { timeout: 10_000 };

/** The device's poll, answered by the grant as the token endpoint would. */
function poll(kit: UnitKit, deviceCode: string, clientId = 'device') {
  return kit.deviceCodeGrant.handle(...grantRequest({ grant_type: DEVICE_CODE_GRANT_TYPE, device_code: deviceCode, client_id: clientId }));
}

async function issue(kit: UnitKit, scope = 'openid offline_access') {
  return kit.deviceAuthorization.authorize(formRequest({ client_id: 'device', scope }));
}

describe('DeviceCodeGrant on the memory store', options, () => {
  let kit: UnitKit;
  beforeEach(async () => {
    kit = await unitKit();
  });

  test('pending until approved, then tokens exactly once', options, async () => {
    const code = await issue(kit);
    assert.ok((await poll(kit, code.device_code)) instanceof AuthorizationPending);
    await kit.grants.approve(code.user_code, 'alice');
    kit.clock.advance(code.interval);
    const tokens = (await poll(kit, code.device_code)) as TokenResponse;
    assert.equal(tokens.token_type, 'Bearer');
    assert.ok(tokens.refresh_token, 'offline_access gets a refresh token');
    const verified = await kit.accessTokens.verify(tokens.access_token);
    assert.equal(verified?.payload.sub, 'alice');
    kit.clock.advance(code.interval);
    await assert.rejects(poll(kit, code.device_code), (error) => error instanceof InvalidGrant && /already used/.test(error.message));
  });

  test('a poll sooner than the interval is slow_down, and the interval grows for good', options, async () => {
    const code = await issue(kit);
    await poll(kit, code.device_code);
    kit.clock.advance(1);
    const first = await poll(kit, code.device_code);
    assert.ok(first instanceof SlowDown);
    assert.match(first.message, /at least 10 seconds/);
    kit.clock.advance(6);
    // 7 s after the first poll: on time for 5 s, too early for the grown 10 s.
    const second = await poll(kit, code.device_code);
    assert.ok(second instanceof SlowDown);
    assert.match(second.message, /at least 15 seconds/);
    kit.clock.advance(15);
    assert.ok((await poll(kit, code.device_code)) instanceof AuthorizationPending);
  });

  test('slow_down grows the interval up to maxPollingInterval; a device that waits that long is answered', options, async () => {
    const capped = await unitKit({ maxPollingInterval: 12 });
    const code = await capped.deviceAuthorization.authorize(formRequest({ client_id: 'device', scope: 'openid' }));
    const pollCapped = () => capped.deviceCodeGrant.handle(...grantRequest({ grant_type: DEVICE_CODE_GRANT_TYPE, device_code: code.device_code, client_id: 'device' }));
    await pollCapped();
    const intervals: string[] = [];
    for (let i = 0; i < 4; i++) {
      capped.clock.advance(1);
      const answer = await pollCapped();
      assert.ok(answer instanceof SlowDown);
      intervals.push(/at least (\d+) seconds/.exec(answer.message)![1]);
    }
    assert.deepEqual(intervals, ['10', '12', '12', '12']);
    capped.clock.advance(12);
    assert.ok((await pollCapped()) instanceof AuthorizationPending);
  });

  test('an approval landing between the on-time stamp and the read gives tokens, not slow_down', options, async () => {
    const code = await issue(kit);
    let raced = false;
    // A person approves just before the poll's first statement runs.
    beforeNextCall(kit.store.grants, 'stampOnTimePoll', async () => {
      raced = true;
      await kit.grants.approve(code.user_code, 'alice');
    });
    const answer = await poll(kit, code.device_code);
    assert.ok(raced);
    assert.ok(!(answer instanceof AuthorizationPending) && !(answer instanceof SlowDown), 'tokens');
    assert.ok((answer as TokenResponse).access_token);
  });

  test('denied is access_denied; expired is expired_token, also once approved', options, async () => {
    const denied = await issue(kit);
    const approved = await issue(kit);
    await kit.grants.deny(denied.user_code);
    await kit.grants.approve(approved.user_code, 'alice');
    await assert.rejects(poll(kit, denied.device_code), AccessDenied);
    kit.clock.advance(approved.expires_in);
    await assert.rejects(poll(kit, approved.device_code), ExpiredToken);
    assert.ok(kit.events.some((event) => event.name === DeviceGrantEvent.GrantExpired));
  });

  test('another client, an unknown code and a malformed code are invalid_grant', options, async () => {
    await kit.clients.register({ ...DEVICE, clientId: 'other' });
    const code = await issue(kit);
    await assert.rejects(poll(kit, code.device_code, 'other'), /another client/);
    await assert.rejects(poll(kit, 'A'.repeat(43)), InvalidGrant);
    await assert.rejects(poll(kit, 'not a code!'), InvalidGrant);
  });

  test('a client that may not use the grant is unauthorized_client', options, async () => {
    await kit.clients.register({ clientId: 'refresh-only', name: 'x', scopes: [], grantTypes: ['refresh_token'] });
    await assert.rejects(poll(kit, 'A'.repeat(43), 'refresh-only'), UnauthorizedClient);
  });

  test('a disconnect that lands during redemption wins: no tokens, and what was issued is revoked', options, async () => {
    const code = await issue(kit);
    await kit.grants.approve(code.user_code, 'alice');
    const grant = (await kit.store.grants.findByDeviceCode(deviceCodeKey(code.device_code)))!;
    // The person disconnects the device while its tokens are being stored.
    beforeNextCall(kit.store.refreshTokens, 'insert', async () => {
      await kit.store.grants.disconnect('alice', grant.id, kit.clock.now());
    });
    await assert.rejects(poll(kit, code.device_code), /disconnected/);
    const tokens = [...kit.store.data.refreshTokens.values(), ...kit.store.data.accessTokens.values()];
    assert.ok(tokens.length > 0 && tokens.every((token) => token.revokedAt !== null));
  });

  test('a failure while issuing puts the grant back, so the next poll redeems', options, async () => {
    const code = await issue(kit);
    await kit.grants.approve(code.user_code, 'alice');
    beforeNextCall(kit.store.accessTokens, 'insert', async () => {
      throw new Error('disk full');
    });
    await assert.rejects(poll(kit, code.device_code), /disk full/);
    kit.clock.advance(code.interval);
    assert.ok(((await poll(kit, code.device_code)) as TokenResponse).access_token);
  });
});
