import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TemporarilyUnavailable } from '../oauth-errors/oauth-error.js';
import { BoundedWork } from './bounded-work.js';

const options = { timeout: 10_000 };

describe('BoundedWork', options, () => {
  test('runs at most `concurrent` at once, queues `queue` more, refuses the rest with 503; every queued task runs', options, async () => {
    const work = new BoundedWork({ concurrent: 2, queue: 3 });
    let running = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const task = () =>
      new Promise<string>((resolve) => {
        running++;
        most = Math.max(most, running);
        releases.push(() => {
          running--;
          resolve('done');
        });
      });
    const results = Array.from({ length: 8 }, () => work.run(task).catch((error: unknown) => error));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(running, 2);
    while (releases.length > 0) {
      releases.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
    const settled = await Promise.all(results);
    assert.equal(settled.filter((result) => result === 'done').length, 5);
    const refused = settled.filter((result) => result instanceof TemporarilyUnavailable) as TemporarilyUnavailable[];
    assert.equal(refused.length, 3);
    assert.equal(refused[0].status, 503);
    assert.equal(refused[0].headers['Retry-After'], '1');
    assert.equal(most, 2);
    // Every slot was given back: the next tasks run at once.
    assert.equal(await work.run(async () => 'again'), 'again');
  });

  test('a failing task frees its slot', options, async () => {
    const work = new BoundedWork({ concurrent: 1, queue: 0 });
    await assert.rejects(work.run(async () => { throw new Error('boom'); }), /boom/);
    assert.equal(await work.run(async () => 'next'), 'next');
  });
});
