import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addressKey } from './address-key.js';

const options = { timeout: 10_000 };

describe('addressKey', options, () => {
  test('IPv4 as it is; IPv4-mapped IPv6 as its IPv4 address', options, () => {
    assert.equal(addressKey('192.0.2.7', 64), '192.0.2.7');
    assert.equal(addressKey('::ffff:192.0.2.7', 64), '192.0.2.7');
    assert.equal(addressKey('::FFFF:c000:0207', 64), '192.0.2.7');
  });

  test('IPv6 by its /64: every address of one prefix is one key, the next prefix another', options, () => {
    const key = addressKey('2001:db8:1:2::1', 64);
    assert.equal(key, '2001:db8:1:2:0:0:0:0/64');
    for (const same of ['2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:0DB8:0001:0002:abcd::9', '2001:db8:1:2:0:0:10.0.0.1', 'fe80::1%eth0'.replace('fe80::1', '2001:db8:1:2::77')]) {
      assert.equal(addressKey(same, 64), key, same);
    }
    assert.notEqual(addressKey('2001:db8:1:3::1', 64), key);
    assert.equal(addressKey('::1', 64), '0:0:0:0:0:0:0:0/64');
  });

  test('another prefix length masks mid-group', options, () => {
    assert.equal(addressKey('2001:db8:1:2ff::1', 56), '2001:db8:1:200:0:0:0:0/56');
    assert.equal(addressKey('2001:db8::1', 128), '2001:db8:0:0:0:0:0:1/128');
  });

  test('no address, or no IP address at all, is one key', options, () => {
    assert.equal(addressKey(undefined, 64), 'unknown');
    assert.equal(addressKey('not-an-ip', 64), 'unknown');
  });
});
