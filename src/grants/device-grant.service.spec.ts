import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { DeviceGrantEvent } from '../events/device-grant-events.js';
import { formRequest, unitKit, type UnitKit } from '../testing/unit-kit.js';
import { UnknownUserCodeError } from './device-grant.service.js';

const options = { timeout: 10_000 };

describe('DeviceGrantService on the memory store', options, () => {
  let kit: UnitKit;
  beforeEach(async () => {
    kit = await unitKit();
  });

  const issue = () => kit.deviceAuthorization.authorize(formRequest({ client_id: 'device', scope: 'openid' }));

  test('finds a pending code however it is typed', options, async () => {
    const code = await issue();
    const typed = code.user_code.toLowerCase().replace('-', ' ');
    const grant = await kit.grants.findPending(typed);
    assert.equal(grant?.status, 'pending');
    assert.equal(kit.grants.display(grant!.userCode), code.user_code);
    assert.equal(await kit.grants.findPending('BCDF-GHJK'), null);
    assert.equal(await kit.grants.findPending('not a code'), null);
  });

  test('decides once: of two concurrent decisions exactly one wins', options, async () => {
    const code = await issue();
    const results = await Promise.allSettled([kit.grants.approve(code.user_code, 'alice'), kit.grants.deny(code.user_code)]);
    assert.equal(results.filter((result) => result.status === 'fulfilled').length, 1);
    const rejected = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    assert.ok(rejected.reason instanceof UnknownUserCodeError);
    assert.equal(await kit.grants.findPending(code.user_code), null);
  });

  test('approval records the subject and emits one event', options, async () => {
    const code = await issue();
    const grant = await kit.grants.approve(code.user_code, 'alice');
    assert.equal(grant.status, 'approved');
    assert.equal(grant.subject, 'alice');
    assert.equal(grant.decidedAt, kit.clock.now());
    assert.deepEqual(
      kit.events.filter((event) => event.name === DeviceGrantEvent.GrantApproved).map((event) => event.payload.subject),
      ['alice'],
    );
  });

  test('an expired code can no longer be decided', options, async () => {
    const code = await issue();
    kit.clock.advance(code.expires_in);
    await assert.rejects(kit.grants.approve(code.user_code, 'alice'), UnknownUserCodeError);
    await assert.rejects(kit.grants.deny(code.user_code), UnknownUserCodeError);
  });

  test('refuses an empty or over-long subject', options, async () => {
    const code = await issue();
    await assert.rejects(kit.grants.approve(code.user_code, ''), /subject/);
    await assert.rejects(kit.grants.approve(code.user_code, 'x'.repeat(256)), /subject/);
    assert.ok(await kit.grants.findPending(code.user_code), 'still pending');
  });
});
