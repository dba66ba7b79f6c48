import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET } from '../support/device-flow.js';
import { basic, get, post, type Answer } from '../support/http.js';
import { startServerProcess } from '../support/server-process.js';
import { tempSqlite } from '../support/test-server.js';

/** `node dist/src/demo/main.js` as its own process, ready once /health answers. */
async function startDemo(databaseUrl: string) {
  const demo = await startServerProcess({ databaseUrl });
  const health = await get(`${demo.url}/health`);
  assert.equal(health.status, 200, demo.output());
  return demo;
}

describe('graceful shutdown of the demo server (a real child process)', () => {
  const db = tempSqlite();
  after(() => db.cleanup());

  test('on SIGTERM every request in flight gets its whole answer, the database is closed, the process exits 0', async () => {
    const demo = await startDemo(db.url);
    // Each request authenticates the confidential client (an scrypt hash, tens of milliseconds of
    // work on a pool of four threads), so most of them are still in flight when the signal lands.
    const count = 40;
    const answeredAt: number[] = [];
    let sentSignalAt = 0;
    const requests = Array.from({ length: count }, () =>
      post(`${demo.url}/oauth/device_authorization`, { scope: 'openid' }, { headers: { authorization: basic(CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET) } }).then(
        (answer: Answer) => {
          answeredAt.push(Date.now());
          // The first answer proves the server is working through the batch: stop it now.
          if (sentSignalAt === 0) {
            sentSignalAt = Date.now();
            demo.child.kill('SIGTERM');
          }
          return answer;
        },
      ),
    );
    const answers = await Promise.all(requests);
    const exit = await demo.exited;

    for (const answer of answers) {
      assert.equal(answer.status, 200, answer.text);
      assert.match(answer.body.device_code, /^[A-Za-z0-9_-]{43}$/);
    }
    const afterSignal = answeredAt.filter((at) => at > sentSignalAt).length;
    assert.ok(afterSignal > 0, 'some requests were still in flight when SIGTERM arrived');
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, demo.output());
    assert.ok(exit.at - sentSignalAt < 10_000, `exited ${exit.at - sentSignalAt} ms after SIGTERM (not held up by keep-alive connections)`);
    const file = db.url.slice('sqlite:'.length);
    assert.ok(!existsSync(`${file}-wal`), 'SQLite closed cleanly: its write-ahead log was checkpointed and removed');

    // Nothing is listening any more.
    await assert.rejects(get(`${demo.url}/health`));
    // The database opens again for the next start.
    const again = await startDemo(db.url);
    try {
      const health = await get(`${again.url}/health`);
      assert.deepEqual(health.body, { status: 'ok' });
    } finally {
      again.child.kill('SIGTERM');
      assert.equal((await again.exited).code, 0);
    }
  });
});
