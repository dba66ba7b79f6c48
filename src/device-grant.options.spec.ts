import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_OPTIONS, resolveOptions } from './device-grant.options.js';

const options = { timeout: 10_000 };
const issuer = 'https://auth.example.test';

describe('resolveOptions', options, () => {
  test('every default is applied once, the nested ones too; an explicit undefined keeps a default', options, () => {
    const resolved = resolveOptions({ issuer, activation: { lockout: undefined, maxFailures: 3 }, housekeeping: { interval: 0 } });
    assert.deepEqual(
      { sessionTtl: resolved.activation.sessionTtl, maxFailures: resolved.activation.maxFailures, failureWindow: resolved.activation.failureWindow, lockout: resolved.activation.lockout },
      { ...DEFAULT_OPTIONS.activation, maxFailures: 3 },
    );
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
    assert.throws(() => resolveOptions({ issuer, activation: { lockout: -1 } }), /activation.lockout/);
    assert.throws(() => resolveOptions({ issuer, housekeeping: { batchSize: 0 } }), /housekeeping.batchSize/);
  });
});
