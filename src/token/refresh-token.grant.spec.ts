import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { DEVICE_CODE_GRANT_TYPE } from '../constants.js';
import { DeviceGrantEvent } from '../events/device-grant-events.js';
import { InvalidGrant, InvalidScope } from '../oauth-errors/oauth-error.js';
import { beforeNextCall, DEVICE, formRequest, grantRequest, unitKit, type UnitKit } from '../testing/unit-kit.js';
import type { TokenResponse } from '../tokens/token-response.js';

const options = { timeout: 10_000 };

/** A paired device's first tokens. */
async function pair(kit: UnitKit, scope = 'openid profile offline_access'): Promise<TokenResponse> {
  const code = await kit.deviceAuthorization.authorize(formRequest({ client_id: 'device', scope }));
  await kit.grants.approve(code.user_code, 'alice');
  return (await kit.deviceCodeGrant.handle(...grantRequest({ grant_type: DEVICE_CODE_GRANT_TYPE, device_code: code.device_code, client_id: 'device' }))) as TokenResponse;
}

function refresh(kit: UnitKit, refreshToken: string, extra: Record<string, string> = {}, clientId = 'device') {
  return kit.refreshTokenGrant.handle(...grantRequest({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId, ...extra }));
}

describe('RefreshTokenGrant on the memory store', options, () => {
  let kit: UnitKit;
  beforeEach(async () => {
    kit = await unitKit();
  });

  test('every use rotates: a new refresh token of the same family, the old one dead', options, async () => {
    const first = await pair(kit);
    const second = await refresh(kit, first.refresh_token!);
    assert.notEqual(second.refresh_token, first.refresh_token);
    assert.equal(second.scope, 'openid profile offline_access');
    const third = await refresh(kit, second.refresh_token!);
    assert.ok(third.access_token);
    const families = new Set([...kit.store.data.refreshTokens.values()].map((token) => token.familyId));
    assert.equal(families.size, 1);
  });

  test('a used token presented again revokes the family and its access tokens', options, async () => {
    const first = await pair(kit);
    const second = await refresh(kit, first.refresh_token!);
    await assert.rejects(refresh(kit, first.refresh_token!), (error) => error instanceof InvalidGrant && /family is revoked/.test(error.message));
    await assert.rejects(refresh(kit, second.refresh_token!), /revoked/);
    assert.equal(await kit.accessTokens.verify(second.access_token), null);
    assert.ok(kit.events.some((event) => event.name === DeviceGrantEvent.RefreshReuseDetected));
  });

  test('two concurrent uses are a replay: one is refused as reuse and the family goes down', options, async () => {
    const first = await pair(kit);
    const results = await Promise.allSettled([refresh(kit, first.refresh_token!), refresh(kit, first.refresh_token!)]);
    const reasons = results.map((result) => (result.status === 'rejected' ? String(result.reason.message) : 'tokens'));
    assert.equal(reasons.filter((reason) => /already used/.test(reason)).length, 1, reasons.join('; '));
    const live = [...kit.store.data.refreshTokens.values()].filter((token) => token.revokedAt === null && token.usedAt === null);
    assert.deepEqual(live, [], 'no token of the family stays usable');
    for (const result of results) if (result.status === 'fulfilled') assert.equal(await kit.accessTokens.verify(result.value.access_token), null);
  });

  test('a narrower scope narrows the access token only; a wider one is invalid_scope and spends nothing', options, async () => {
    const first = await pair(kit);
    const narrow = await refresh(kit, first.refresh_token!, { scope: 'openid' });
    assert.equal(narrow.scope, 'openid');
    await assert.rejects(refresh(kit, narrow.refresh_token!, { scope: 'openid email' }), InvalidScope);
    const again = await refresh(kit, narrow.refresh_token!);
    assert.equal(again.scope, 'openid profile offline_access', 'the family keeps the scope consented to');
  });

  test('another client, an expired token and an unknown token are invalid_grant', options, async () => {
    await kit.clients.register({ ...DEVICE, clientId: 'other' });
    const first = await pair(kit);
    await assert.rejects(refresh(kit, first.refresh_token!, {}, 'other'), /another client/);
    await assert.rejects(refresh(kit, 'x'.repeat(43)), /invalid/);
    kit.clock.advance(kit.options.refreshTokenTtl);
    await assert.rejects(refresh(kit, first.refresh_token!), /expired/);
  });

  test('a revocation racing the rotation takes the new tokens down too', options, async () => {
    const first = await pair(kit);
    const used = (await kit.refreshTokens.find(first.refresh_token!))!;
    // The person revokes the family while the rotation stores its new tokens.
    beforeNextCall(kit.store.refreshTokens, 'insertSuccessor', async () => {
      await kit.store.refreshTokens.revokeFamily(used.familyId, kit.clock.now());
    });
    await assert.rejects(refresh(kit, first.refresh_token!), /revoked/);
    assert.ok([...kit.store.data.refreshTokens.values()].every((token) => token.revokedAt !== null));
  });

  test('a failure while issuing releases the token, so the device may retry', options, async () => {
    const first = await pair(kit);
    beforeNextCall(kit.store.accessTokens, 'insert', async () => {
      throw new Error('disk full');
    });
    await assert.rejects(refresh(kit, first.refresh_token!), /disk full/);
    assert.ok((await refresh(kit, first.refresh_token!)).refresh_token);
  });
});
