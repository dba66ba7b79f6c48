import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { USER_CODE_ALPHABETS, resolveOptions } from '../device-grant.options.js';
import { formatUserCode, generateUserCode, normalizeUserCode, type UserCodeFormat } from './user-code.js';

const BASE20: UserCodeFormat = { alphabet: USER_CODE_ALPHABETS.base20, length: 8, mask: 'XXXX-XXXX' };
const DIGITS: UserCodeFormat = { alphabet: USER_CODE_ALPHABETS.digits, length: 9, mask: 'XXX-XXX-XXX' };

describe('user codes', () => {
  test('are drawn from the base-20 alphabet with the configured length', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const code = generateUserCode(BASE20);
      assert.match(code, /^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
      for (const char of code) seen.add(char);
    }
    assert.equal(seen.size, 20, 'every character of the alphabet shows up');
  });

  test('digit codes hold only digits', () => {
    for (let i = 0; i < 200; i++) assert.match(generateUserCode(DIGITS), /^[0-9]{9}$/);
  });

  test('are displayed through the mask', () => {
    assert.equal(formatUserCode('WDJBMJHT', BASE20), 'WDJB-MJHT');
    assert.equal(formatUserCode('019450730', DIGITS), '019-450-730');
    assert.equal(formatUserCode('WDJBMJHT', { ...BASE20, mask: 'XX XX XX XX' }), 'WD JB MJ HT');
  });

  test('normalise case, dashes and spaces', () => {
    for (const typed of ['WDJB-MJHT', 'wdjb-mjht', 'wdjb mjht', ' WdJb  MjHt ', 'WDJBMJHT', 'w-d-j-b-m-j-h-t']) {
      assert.equal(normalizeUserCode(typed, BASE20), 'WDJBMJHT', typed);
    }
  });

  test('normalise digit codes, mapping look-alike letters', () => {
    assert.equal(normalizeUserCode('019-450-730', DIGITS), '019450730');
    assert.equal(normalizeUserCode('O19 45O 73O', DIGITS), '019450730');
    assert.equal(normalizeUserCode('l19-450-730', DIGITS), '119450730');
  });

  test('refuse what cannot be a code', () => {
    assert.equal(normalizeUserCode('WDJB-MJH', BASE20), null, 'too short');
    assert.equal(normalizeUserCode('WDJB-MJHTX', BASE20), null, 'too long');
    assert.equal(normalizeUserCode('', BASE20), null);
    assert.equal(normalizeUserCode('x'.repeat(1000), BASE20), null);
    assert.equal(normalizeUserCode(42 as unknown as string, BASE20), null);
  });

  test('options: defaults, digit defaults, and clear errors for inconsistent settings', () => {
    const defaults = resolveOptions({ issuer: 'https://auth.example.com' });
    assert.equal(defaults.userCodeAlphabet, 'BCDFGHJKLMNPQRSTVWXZ');
    assert.equal(defaults.userCodeLength, 8);
    assert.equal(defaults.userCodeMask, 'XXXX-XXXX');
    assert.equal(defaults.deviceCodeTtl, 600);
    assert.equal(defaults.pollingInterval, 5);
    const digits = resolveOptions({ issuer: 'https://auth.example.com', userCodeCharset: 'digits' });
    assert.equal(digits.userCodeLength, 9);
    assert.equal(digits.userCodeMask, 'XXX-XXX-XXX');
    assert.throws(() => resolveOptions({ issuer: 'https://a.example', userCodeMask: 'XXX-XXX' }), /exactly 8 X/);
    assert.throws(() => resolveOptions({ issuer: 'https://a.example', userCodeLength: 3 }), /userCodeLength/);
    assert.throws(() => resolveOptions({ issuer: 'https://a.example?x=1' }), /without query/);
    assert.throws(() => resolveOptions({ issuer: 'https://a.example', pollingInterval: 0 }), /positive integer/);
    assert.throws(() => resolveOptions({ issuer: 'https://a.example/tenant' }), /routes.metadata/);
  });
});
