import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GroupCommit } from './group-commit.js';

/** A write that records its batches and can be held open until released. */
function recordingWrite() {
  const batches: number[][] = [];
  let release: () => void = () => undefined;
  let gate: Promise<void> | undefined;
  return {
    batches,
    hold() {
      gate = new Promise((resolve) => (release = resolve));
    },
    release: () => release(),
    write: async (items: readonly number[]) => {
      batches.push([...items]);
      if (gate) {
        const held = gate;
        gate = undefined;
        await held;
      }
      return items.map((item) => item * 10);
    },
  };
}

describe('GroupCommit', () => {
  test('items submitted in one turn share one write, and each gets its own result', async () => {
    const recorder = recordingWrite();
    const commit = new GroupCommit(recorder.write, { maxBatch: 100 });
    const results = await Promise.all([1, 2, 3].map((item) => commit.submit(item)));
    assert.deepEqual(results, [10, 20, 30]);
    assert.deepEqual(recorder.batches, [[1, 2, 3]]);
  });

  test('items arriving while a write runs wait for it, then go together', async () => {
    const recorder = recordingWrite();
    const commit = new GroupCommit(recorder.write, { maxBatch: 100 });
    recorder.hold();
    const first = commit.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(recorder.batches, [[1]]);
    const later = [2, 3, 4].map((item) => commit.submit(item));
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(recorder.batches, [[1]], 'no second write while the first runs (concurrency 1)');
    recorder.release();
    assert.equal(await first, 10);
    assert.deepEqual(await Promise.all(later), [20, 30, 40]);
    assert.deepEqual(recorder.batches, [[1], [2, 3, 4]]);
  });

  test('a batch never exceeds maxBatch', async () => {
    const recorder = recordingWrite();
    const commit = new GroupCommit(recorder.write, { maxBatch: 2 });
    const results = await Promise.all([1, 2, 3, 4, 5].map((item) => commit.submit(item)));
    assert.deepEqual(results, [10, 20, 30, 40, 50]);
    assert.deepEqual(recorder.batches, [[1, 2], [3, 4], [5]]);
  });

  test('a failed batch is retried item by item: only the item that fails is rejected', async () => {
    const batches: number[][] = [];
    const commit = new GroupCommit(
      async (items: readonly number[]) => {
        batches.push([...items]);
        if (items.includes(2)) throw new Error(`refused ${items.join(',')}`);
        return items.map(String);
      },
      { maxBatch: 10 },
    );
    const outcomes = await Promise.allSettled([1, 2, 3].map((item) => commit.submit(item)));
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ['fulfilled', 'rejected', 'fulfilled'],
    );
    assert.equal((outcomes[1] as PromiseRejectedResult).reason.message, 'refused 2');
    assert.equal((outcomes[2] as PromiseFulfilledResult<string>).value, '3');
    assert.deepEqual(batches, [[1, 2, 3], [1], [2], [3]]);
  });

  test('when every write fails (the database is down), every caller gets the error', async () => {
    const commit = new GroupCommit(async (): Promise<string[]> => {
      throw new Error('disk full');
    }, { maxBatch: 10 });
    const outcomes = await Promise.allSettled([1, 2].map((item) => commit.submit(item)));
    assert.ok(outcomes.every((outcome) => outcome.status === 'rejected' && outcome.reason.message === 'disk full'));
  });

  test('a write answering the wrong number of results rejects its callers', async () => {
    const commit = new GroupCommit(async () => ['one', 'two', 'three'], { maxBatch: 10 });
    const outcomes = await Promise.allSettled([commit.submit(1), commit.submit(2)]);
    assert.ok(outcomes.every((outcome) => outcome.status === 'rejected'));
    assert.match((outcomes[0] as PromiseRejectedResult).reason.message, /a batch of 1 got 3 results/);
  });

  test('with concurrency 2, a second batch runs while the first is held', async () => {
    const recorder = recordingWrite();
    const commit = new GroupCommit(recorder.write, { maxBatch: 100, concurrency: 2 });
    recorder.hold();
    const first = commit.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    const second = commit.submit(2);
    assert.equal(await second, 20);
    assert.deepEqual(recorder.batches, [[1], [2]]);
    recorder.release();
    assert.equal(await first, 10);
  });
});
