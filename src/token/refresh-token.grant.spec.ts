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

  test('a used token presented again once its successor was used revokes the family and its access tokens', options, async () => {
    const first = await pair(kit);
    const second = await refresh(kit, first.refresh_token!);
    const third = await refresh(kit, second.refresh_token!);
    await assert.rejects(refresh(kit, first.refresh_token!), (error) => error instanceof InvalidGrant && /family is revoked/.test(error.message));
    await assert.rejects(refresh(kit, third.refresh_token!), /revoked/);
    assert.equal(await kit.accessTokens.verify(third.access_token), null);
    assert.ok(kit.events.some((event) => event.name === DeviceGrantEvent.RefreshReuseDetected));
  });

  test('a retry within refreshRetryGrace, its successor unused: a new pair; the lost pair superseded; presented later, the lost token revokes the family', options, async () => {
    const first = await pair(kit);
    const lost = await refresh(kit, first.refresh_token!); // the answer the device never got
    kit.clock.advance(5);
    const retried = await refresh(kit, first.refresh_token!);
    assert.notEqual(retried.refresh_token, lost.refresh_token);
    assert.equal(await kit.accessTokens.verify(lost.access_token), null, 'the lost access token is revoked');
    assert.ok(await kit.accessTokens.verify(retried.access_token), 'the new one works');
    assert.ok(kit.events.some((event) => event.name === DeviceGrantEvent.RefreshRetried));
    const next = await refresh(kit, retried.refresh_token!);
    assert.ok(next.access_token, 'the retried pair rotates on as usual');
    // The superseded token shows up after all: two holders. The family goes.
    await assert.rejects(refresh(kit, lost.refresh_token!), /family is revoked/);
    await assert.rejects(refresh(kit, next.refresh_token!), /revoked/);
  });

  test('a retry after refreshRetryGrace is a replay; a grace of 0 turns retries off', options, async () => {
    const first = await pair(kit);
    await refresh(kit, first.refresh_token!);
    kit.clock.advance(kit.options.refreshRetryGrace + 1);
    await assert.rejects(refresh(kit, first.refresh_token!), /family is revoked/);
    const strict = await unitKit({ refreshRetryGrace: 0 });
    const paired = await pair(strict);
    await refresh(strict, paired.refresh_token!);
    await assert.rejects(refresh(strict, paired.refresh_token!), /family is revoked/);
  });

  test('two concurrent uses: at most one pair stays usable, every refusal is invalid_grant', options, async () => {
    const first = await pair(kit);
    const results = await Promise.allSettled([refresh(kit, first.refresh_token!), refresh(kit, first.refresh_token!)]);
    for (const result of results) if (result.status === 'rejected') assert.ok(result.reason instanceof InvalidGrant, String(result.reason));
    const live = [...kit.store.data.refreshTokens.values()].filter((token) => token.revokedAt === null && token.usedAt === null);
    assert.ok(live.length <= 1, `${live.length} usable tokens in the family`);
    const usable = [];
    for (const result of results) if (result.status === 'fulfilled' && (await kit.accessTokens.verify(result.value.access_token))) usable.push(result.value);
    assert.ok(usable.length <= 1, `${usable.length} usable access tokens`);
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
