import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type sqlite3 from 'sqlite3';
import { sqliteDriver } from './sqlite-driver.js';
import { StatementGate } from './wal-checkpointer.js';

describe('StatementGate', () => {
  test('admits statements while open and counts them until they end', async () => {
    const gate = new StatementGate();
    assert.equal(gate.admit(() => assert.fail('an admitted statement is not queued')), true);
    let drained = false;
    const closing = gate.close(1_000).then((quiet) => (drained = quiet));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(drained, false, 'close() waits for the running statement');
    gate.end();
    assert.equal(await closing, true);
    gate.open();
  });

  test('holds statements while closed and starts them in order when it opens', async () => {
    const gate = new StatementGate();
    assert.equal(await gate.close(1_000), true, 'nothing running: quiet at once');
    const started: number[] = [];
    assert.equal(gate.admit(() => started.push(1)), false);
    assert.equal(gate.admit(() => started.push(2)), false);
    assert.deepEqual(started, []);
    gate.open();
    assert.deepEqual(started, [1, 2]);
    assert.equal(gate.admit(() => assert.fail('an admitted statement is not queued')), true, 'open again: admitted at once');
  });

  test('gives up waiting after the time allowed, and still opens', async () => {
    const gate = new StatementGate();
    gate.admit(() => undefined);
    assert.equal(await gate.close(20), false);
    const started: number[] = [];
    gate.admit(() => started.push(1));
    gate.open();
    assert.deepEqual(started, [1]);
  });
});

describe('WAL checkpoints off the request path (real SQLite file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dg-wal-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const Driver = sqliteDriver('NORMAL');

  function open(file: string): Promise<sqlite3.Database> {
    return new Promise((resolve, reject) => {
      const db: sqlite3.Database = new Driver.Database(file, (error) => (error ? reject(error) : resolve(db)));
    });
  }
  const all = (db: sqlite3.Database, sql: string, parameters: unknown[] = []) =>
    new Promise<Record<string, unknown>[]>((resolve, reject) =>
      db.all(sql, parameters, (error, rows) => (error ? reject(error) : resolve(rows as Record<string, unknown>[]))),
    );

  test('a steady writer never checkpoints itself, yet the log starts over instead of growing, and closing removes it', async () => {
    const file = join(dir, 'steady.sqlite');
    const db = await open(file);
    await all(db, 'PRAGMA journal_mode = WAL');
    assert.deepEqual(await all(db, 'PRAGMA wal_autocheckpoint'), [{ wal_autocheckpoint: 0 }], 'the connection itself never checkpoints');
    await all(db, 'CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)');
    // 30,000 pages of log (each row is a page's worth of text) at about 25 MB/s: with no checkpoints at
    // all the log file would grow to 120 MB.
    const payload = 'x'.repeat(3_500);
    const deadline = Date.now() + 60_000;
    let written = 0;
    while (written < 30_000 && Date.now() < deadline) {
      await all(db, `INSERT INTO t (payload) SELECT ?1 FROM json_each(?2)`, [payload, JSON.stringify(Array(100).fill(0))]);
      written += 100;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(written, 30_000);
    const walBytes = statSync(`${file}-wal`).size;
    assert.ok(walBytes < 40 * 1024 * 1024, `the log started over and stayed bounded (${(walBytes / 1e6).toFixed(1)} MB)`);
    assert.deepEqual(await all(db, 'SELECT COUNT(*) AS n FROM t'), [{ n: 30_000 }]);
    await new Promise<void>((resolve, reject) => db.close((error) => (error ? reject(error) : resolve())));
    assert.ok(!existsSync(`${file}-wal`), 'closing checkpointed the whole log and removed it');
    const again = await open(file);
    assert.deepEqual(await all(again, 'SELECT COUNT(*) AS n FROM t'), [{ n: 30_000 }], 'every row is in the database file');
    await new Promise<void>((resolve) => again.close(() => resolve()));
  });

  test('an in-memory database gets no checkpointer and keeps SQLite defaults', async () => {
    const db = await open(':memory:');
    assert.deepEqual(await all(db, 'PRAGMA wal_autocheckpoint'), [{ wal_autocheckpoint: 1000 }]);
    await new Promise<void>((resolve) => db.close(() => resolve()));
  });
});
