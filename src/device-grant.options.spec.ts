import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_OPTIONS, resolveOptions } from './device-grant.options.js';
import { DEFAULT_LIMITS } from './limits/limits.options.js';

const options = { timeout: 10_000 };
const issuer = 'https://auth.example.test';

describe('resolveOptions', options, () => {
  test('every default is applied once, the nested ones too; an explicit undefined keeps a default', options, () => {
    const resolved = resolveOptions({
      issuer,
      activation: { sessionTtl: undefined },
      limits: { codesPerSession: { lockout: undefined, max: 3 }, deviceAuthorizationsPerClient: false },
      housekeeping: { interval: 0 },
    });
    assert.equal(resolved.activation.sessionTtl, DEFAULT_OPTIONS.activation.sessionTtl);
    assert.deepEqual(resolved.limits.codesPerSession, { ...DEFAULT_LIMITS.codesPerSession, max: 3 });
    assert.deepEqual(resolved.limits.codesPerAddress, DEFAULT_LIMITS.codesPerAddress);
    assert.equal(resolved.limits.deviceAuthorizationsPerClient, false);
    assert.deepEqual(resolved.limits.deviceAuthorizationsPerAddress, DEFAULT_LIMITS.deviceAuthorizationsPerAddress);
    assert.deepEqual(resolved.housekeeping, { ...DEFAULT_OPTIONS.housekeeping, interval: 0 });
    assert.equal(resolved.pollingInterval, 5);
    assert.equal(resolved.maxPollingInterval, 60);
  });

  test('maxPollingInterval is at least pollingInterval, which raises its default', options, () => {
    assert.equal(resolveOptions({ issuer, pollingInterval: 90 }).maxPollingInterval, 90);
    assert.throws(() => resolveOptions({ issuer, pollingInterval: 10, maxPollingInterval: 5 }), /maxPollingInterval \(5\) must be at least pollingInterval \(10\)/);
    assert.throws(() => resolveOptions({ issuer, maxPollingInterval: 0 }), /maxPollingInterval must be a positive integer/);
  });

  test('a bad nested value is refused at start-up', options, () => {
    assert.throws(() => resolveOptions({ issuer, limits: { codesPerAddress: { lockout: -1 } } }), /limits.codesPerAddress.lockout/);
    assert.throws(() => resolveOptions({ issuer, limits: { signInPerAccount: { lockout: 600, maxLockout: 60 } } }), /maxLockout must be at least its lockout/);
    assert.throws(() => resolveOptions({ issuer, limits: { ipv6Prefix: 129 } }), /ipv6Prefix/);
    assert.throws(() => resolveOptions({ issuer, activation: { sessionTtl: 0 } }), /activation.sessionTtl/);
    assert.throws(() => resolveOptions({ issuer, housekeeping: { batchSize: 0 } }), /housekeeping.batchSize/);
  });
});
