import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { DEVICE_CODE_GRANT_TYPE } from '../constants.js';
import { FormParams } from '../http/form-params.js';
import { InvalidClient, InvalidRequest, InvalidScope, TemporarilyUnavailable, UnauthorizedClient } from '../oauth-errors/oauth-error.js';
import { resolveOptions } from '../device-grant.options.js';
import { formRequest, unitKit, type UnitKit } from '../testing/unit-kit.js';
import { ClientService } from './client.service.js';

const options = { timeout: 10_000 };

function authenticate(kit: UnitKit, fields: Record<string, string>, headers?: Record<string, string>) {
  const request = formRequest(fields, headers);
  return kit.clients.authenticate(request, FormParams.from(request), DEVICE_CODE_GRANT_TYPE);
}

const basic = (id: string, secret: string) => ({ authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` });

describe('ClientService on the memory store', options, () => {
  let kit: UnitKit;
  beforeEach(async () => {
    kit = await unitKit();
    await kit.clients.register({ clientId: 'backend', name: 'Backend', secret: 's3cret-s3cret', scopes: ['openid'], grantTypes: [DEVICE_CODE_GRANT_TYPE] });
  });

  test('a public client by client_id; a secret sent with it is refused', options, async () => {
    assert.equal((await authenticate(kit, { client_id: 'device' })).clientId, 'device');
    await assert.rejects(authenticate(kit, { client_id: 'device', client_secret: 'x' }), InvalidClient);
    await assert.rejects(authenticate(kit, { client_id: 'nobody' }), InvalidClient);
    await assert.rejects(authenticate(kit, {}), InvalidClient);
  });

  test('a confidential client by Basic or by post, never both, never without its secret', options, async () => {
    assert.equal((await authenticate(kit, {}, basic('backend', 's3cret-s3cret'))).clientId, 'backend');
    assert.equal((await authenticate(kit, { client_id: 'backend', client_secret: 's3cret-s3cret' })).clientId, 'backend');
    await assert.rejects(authenticate(kit, { client_secret: 's3cret-s3cret' }, basic('backend', 's3cret-s3cret')), InvalidRequest);
    await assert.rejects(authenticate(kit, { client_id: 'backend' }), InvalidClient);
    await assert.rejects(authenticate(kit, {}, basic('backend', 'wrong')), InvalidClient);
  });

  test('a disabled client fails at once on the instance that disabled it', options, async () => {
    await authenticate(kit, { client_id: 'device' });
    await kit.store.clients.update('device', { disabled: true });
    kit.clients.forget('device');
    await assert.rejects(authenticate(kit, { client_id: 'device' }), InvalidClient);
  });

  test('the grant types and scopes of the client are enforced', options, async () => {
    await kit.clients.register({ clientId: 'refresher', name: 'r', scopes: [], grantTypes: ['refresh_token'] });
    await assert.rejects(authenticate(kit, { client_id: 'refresher' }), UnauthorizedClient);
    const client = await authenticate(kit, { client_id: 'device' });
    assert.doesNotThrow(() => kit.clients.checkScopes(client, ['openid', 'offline_access']));
    assert.throws(() => kit.clients.checkScopes(client, ['admin']), InvalidScope);
  });

  test('register is idempotent and keeps the hash of an unchanged secret', options, async () => {
    const before = (await kit.store.clients.find('backend'))!;
    await kit.clients.register({ clientId: 'backend', name: 'Backend 2', secret: 's3cret-s3cret', scopes: ['openid'], grantTypes: [DEVICE_CODE_GRANT_TYPE] });
    const after = (await kit.store.clients.find('backend'))!;
    assert.equal(after.secretHash, before.secretHash);
    assert.equal(after.name, 'Backend 2');
    assert.equal(after.createdAt, before.createdAt);
  });

  test('secret checks are bounded: beyond the queue a 503; a secret that passed is recognised without a check, until it changes', options, async () => {
    const tight = await unitKit({ limits: { secretChecks: { concurrent: 1, queue: 0 } } });
    await tight.clients.register({ clientId: 'backend', name: 'Backend', secret: 's3cret-s3cret', scopes: ['openid'], grantTypes: [DEVICE_CODE_GRANT_TYPE] });
    const right = () => authenticate(tight, { client_id: 'backend', client_secret: 's3cret-s3cret' });
    const wrong = () => authenticate(tight, { client_id: 'backend', client_secret: 'wrong' });
    assert.equal((await right()).clientId, 'backend');
    await assert.rejects(authenticate(tight, { client_id: 'nobody', client_secret: 'x' }), InvalidClient, 'an unknown client: the same check, on a dummy hash');
    // One wrong secret holds the only slot: another wrong one is refused at once, the right one is recognised.
    const holding = wrong();
    await assert.rejects(wrong(), (error: unknown) => error instanceof TemporarilyUnavailable && error.headers['Retry-After'] === '1');
    await assert.rejects(authenticate(tight, { client_id: 'nobody', client_secret: 'x' }), TemporarilyUnavailable, 'an unknown client costs a bounded check too');
    assert.equal((await right()).clientId, 'backend');
    await assert.rejects(holding, InvalidClient);
    // Five minutes on, the right secret is checked with scrypt again: with the only slot held, it waits its turn.
    tight.clock.advance(5 * 60 + 1);
    const holdingAgain = wrong();
    await assert.rejects(right(), TemporarilyUnavailable, 'no longer recognised from memory');
    await assert.rejects(holdingAgain, InvalidClient);
    assert.equal((await right()).clientId, 'backend', 'checked again, and recognised from then on');
    // A new secret: the old one is checked anew, and fails.
    await tight.clients.register({ clientId: 'backend', name: 'Backend', secret: 'n3w-s3cret-n3w', scopes: ['openid'], grantTypes: [DEVICE_CODE_GRANT_TYPE] });
    await assert.rejects(right(), InvalidClient);
  });

  test('register fails fast on a scope the server does not offer (offline_access named) or a grant type it does not implement', options, async () => {
    await assert.rejects(
      kit.clients.register({ clientId: 'typo', name: 'Typo', scopes: ['openid', 'profiel'], grantTypes: [DEVICE_CODE_GRANT_TYPE] }),
      /client typo asks for "profiel", which the server does not offer; its scopes option has openid, profile, offline_access/,
    );
    const narrow = new ClientService(kit.store, resolveOptions({ issuer: 'https://auth.example.test', scopes: { openid: 'Know who you are', 'telemetry:write': 'Send measurements' } }), kit.clock);
    await assert.rejects(
      narrow.register({ clientId: 'sensor', name: 'Sensor', scopes: ['openid', 'offline_access'], grantTypes: [DEVICE_CODE_GRANT_TYPE, 'refresh_token'] }),
      /offline_access gives refresh tokens: add it to the scopes option/,
    );
    await assert.rejects(kit.clients.register({ clientId: 'pw', name: 'Pw', scopes: ['openid'], grantTypes: ['password'] }), /grant types "password" this server does not implement/);
    assert.equal(await kit.clients.findById('typo'), null, 'nothing stored');
  });
});
