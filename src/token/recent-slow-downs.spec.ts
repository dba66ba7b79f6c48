import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RecentSlowDowns } from './recent-slow-downs.js';

describe('RecentSlowDowns', () => {
  test('a poll before the slowed-down poll plus its grown interval is too early; at or after it, not', () => {
    const recent = new RecentSlowDowns();
    assert.equal(recent.tooEarly('key', 1_000), false, 'nothing noted yet');
    recent.note('key', 1_000, 10);
    assert.equal(recent.tooEarly('key', 10_999), true);
    assert.equal(recent.tooEarly('other', 10_999), false);
    assert.equal(recent.tooEarly('key', 11_000), false, 'the interval has passed');
    assert.equal(recent.tooEarly('key', 5_000), false, 'a passed entry is forgotten, not kept');
  });

  test('a later slow_down moves the mark forward, never back', () => {
    const recent = new RecentSlowDowns();
    recent.note('key', 1_000, 15);
    recent.note('key', 900, 10); // an older poll's answer arriving late
    assert.equal(recent.tooEarly('key', 15_999), true);
    recent.note('key', 2_000, 20);
    assert.equal(recent.tooEarly('key', 21_999), true);
  });

  test('memory stays bounded: past 10,000 grants the oldest is forgotten', () => {
    const recent = new RecentSlowDowns();
    for (let i = 0; i <= 10_000; i++) recent.note(`key-${i}`, 0, 10);
    assert.equal(recent.tooEarly('key-0', 1), false, 'the first one made room');
    assert.equal(recent.tooEarly('key-1', 1), true);
    assert.equal(recent.tooEarly('key-10000', 1), true);
  });
});
