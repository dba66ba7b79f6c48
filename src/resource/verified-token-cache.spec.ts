import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../testing/manual-clock.js';
import type { DeviceGrantPrincipal } from './device-grant-principal.js';
import { VerifiedTokenCache } from './verified-token-cache.js';


const principal = (exp: number, jti = 'jti-1'): DeviceGrantPrincipal => ({ sub: 'alice', client_id: 'demo-device', scope: 'profile', jti, exp });

describe('VerifiedTokenCache', { timeout: 10_000 }, () => {
  test('a token counts until exp, with the same leeway and whole seconds as jwtVerify (accepted while exp > now - leeway)', () => {
    const clock = new ManualClock();
    const cache = new VerifiedTokenCache(10, clock, 30);
    const exp = clock.now() / 1000 + 60;
    cache.set('token', principal(exp), undefined, 1);
    assert.deepEqual(cache.get('token', 1), principal(exp));
    clock.advance(60 + 29);
    assert.ok(cache.get('token', 1), '29 s past exp: within the leeway');
    clock.advance(0.999);
    assert.ok(cache.get('token', 1), 'still second 29 past exp');
    clock.advance(0.001);
    assert.equal(cache.get('token', 1), undefined, '30 s past exp: a verification would refuse it');
    assert.equal(cache.size, 0, 'an expired entry is dropped when met');
  });

  test('with no leeway the entry ends at exp itself', () => {
    const clock = new ManualClock();
    const cache = new VerifiedTokenCache(10, clock, 0);
    const exp = clock.now() / 1000 + 5;
    cache.set('token', principal(exp), undefined, 1);
    clock.advance(4);
    assert.ok(cache.get('token', 1));
    clock.advance(1);
    assert.equal(cache.get('token', 1), undefined);
  });

  test('a token counts only under the key set version it was verified with, and never without one', () => {
    const clock = new ManualClock();
    const cache = new VerifiedTokenCache(10, clock, 30);
    const exp = clock.now() / 1000 + 600;
    cache.set('token', principal(exp), undefined, 1);
    assert.equal(cache.get('token', undefined), undefined, 'the key set is due to be fetched again');
    cache.set('token', principal(exp), undefined, 1);
    assert.equal(cache.get('token', 2), undefined, 'the key set was fetched again since');
    assert.equal(cache.get('token', 1), undefined, 'and the entry is gone');
    cache.set('other', principal(exp), undefined, undefined);
    assert.equal(cache.size, 0, 'nothing is stored without a key set version');
  });

  test('an nbf beyond the leeway (a clock moved back) is not answered from memory', () => {
    const clock = new ManualClock();
    const cache = new VerifiedTokenCache(10, clock, 30);
    const now = clock.now() / 1000;
    cache.set('token', principal(now + 600), now, 1);
    clock.advance(-31);
    assert.equal(cache.get('token', 1), undefined);
    clock.advance(31);
    assert.ok(cache.get('token', 1), 'kept for when it is valid again');
  });

  test('the bound holds: past maxEntries the oldest stored is forgotten first', () => {
    const clock = new ManualClock();
    const cache = new VerifiedTokenCache(3, clock, 30);
    const exp = clock.now() / 1000 + 600;
    for (const token of ['a', 'b', 'c', 'd']) cache.set(token, principal(exp, token), undefined, 1);
    assert.equal(cache.size, 3);
    assert.equal(cache.get('a', 1), undefined);
    assert.deepEqual(['b', 'c', 'd'].map((token) => cache.get(token, 1)?.jti), ['b', 'c', 'd']);
    for (let i = 0; i < 1000; i++) cache.set(`t${i}`, principal(exp, `t${i}`), undefined, 1);
    assert.equal(cache.size, 3);
  });

  test('maxEntries 0 stores nothing', () => {
    const cache = new VerifiedTokenCache(0, new ManualClock(), 30);
    cache.set('token', principal(Date.now() / 1000 + 600), undefined, 1);
    assert.equal(cache.size, 0);
    assert.equal(cache.get('token', 1), undefined);
  });

  test('a caller changing the principal it got does not change what is remembered', () => {
    const clock = new ManualClock();
    const cache = new VerifiedTokenCache(10, clock, 30);
    cache.set('token', principal(clock.now() / 1000 + 600), undefined, 1);
    cache.get('token', 1)!.sub = 'mallory';
    assert.equal(cache.get('token', 1)!.sub, 'alice');
  });
});
