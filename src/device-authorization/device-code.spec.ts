import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { deviceCodeKey, newDeviceCode } from './device-code.js';

/** The key as its definition states it: the code's first 6 bytes in hex, then its SHA-256 (base64url). */
function keyByDefinition(code: string): string {
  const time = Buffer.from(code.slice(0, 8), 'base64url').toString('hex').padEnd(12, '0');
  return time + createHash('sha256').update(code).digest('base64url');
}

describe('deviceCodeKey', () => {
  test('is the issue time in hex, then the SHA-256 of the code', () => {
    const at = Date.UTC(2026, 10, 24, 9, 30);
    const code = newDeviceCode(at);
    assert.equal(code.length, 43);
    const key = deviceCodeKey(code);
    assert.equal(key, keyByDefinition(code));
    assert.equal(parseInt(key.slice(0, 12), 16), at);
  });

  test('matches the definition for any string: our codes, random base64url, and strings that are neither', () => {
    const samples = [
      ...Array.from({ length: 200 }, (_, i) => newDeviceCode(i * 7_919_993_111)),
      ...Array.from({ length: 200 }, () => randomBytes(32).toString('base64url')),
      '____________________', '--------', 'AAAAAAA', '', 'é-not-base64url-at-all', 'abc+/def=ghijklmnop', 'abcdefg\u{1F600}hijklmnop',
    ];
    for (const code of samples) assert.equal(deviceCodeKey(code), keyByDefinition(code), code);
  });

  test('keys of later codes sort after earlier ones', () => {
    const keys = [1_000, 2_000, 1_700_000_000_000, 2 ** 48 - 1].map((at) => deviceCodeKey(newDeviceCode(at)));
    assert.deepEqual([...keys].sort(), keys);
  });
});
