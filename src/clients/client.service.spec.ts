import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { DEVICE_CODE_GRANT_TYPE } from '../constants.js';
import { FormParams } from '../http/form-params.js';
import { InvalidClient, InvalidRequest, InvalidScope, UnauthorizedClient } from '../oauth-errors/oauth-error.js';
import { formRequest, unitKit, type UnitKit } from '../testing/unit-kit.js';

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
});
