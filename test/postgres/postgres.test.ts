import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DataSource } from 'typeorm';
import { poll, refresh, requestDeviceCode } from '../support/device-flow.js';
import { assertOAuthError } from '../support/oauth-assertions.js';
import { createPostgresDatabase } from '../support/postgres.js';
import { startServer, TestClock, type TestServer } from '../support/test-server.js';

const database = await createPostgresDatabase();

describe('the same module on PostgreSQL', { skip: 'skip' in database ? database.skip : false }, () => {
  const clock = new TestClock();
  let server: TestServer;

  before(async () => {
    if ('skip' in database) return;
    server = await startServer({ databaseUrl: database.url, clock });
  });
  after(async () => {
    if ('skip' in database) return;
    await server?.close();
    await database.drop();
  });

  test('migrations create the schema and its indexes', async () => {
    const dataSource = server.app.get(DataSource);
    assert.equal(dataSource.options.type, 'postgres');
    const indexes: { indexname: string }[] = await dataSource.query(
      `SELECT indexname FROM pg_indexes WHERE tablename IN ('dg_device_grant', 'dg_refresh_token')`,
    );
    const names = indexes.map((row) => row.indexname);
    for (const index of ['dg_device_grant_device_code_hash', 'dg_device_grant_user_code', 'dg_refresh_token_token_hash']) {
      assert.ok(names.includes(index), `missing index ${index}`);
    }
  });

  test('grant pages are left half free for in-place poll updates, and the migration reverts to the default', async () => {
    const dataSource = server.app.get(DataSource);
    const fillfactor = async () => {
      const [row] = await dataSource.query(`SELECT reloptions FROM pg_class WHERE relname = 'dg_device_grant'`);
      return (row.reloptions as string[] | null)?.find((option) => option.startsWith('fillfactor='));
    };
    assert.equal(await fillfactor(), 'fillfactor=50');
    // Undo the migrations down to and including the one that set it (later ones are undone first).
    const executed: { name: string }[] = await dataSource.query(`SELECT "name" FROM "dg_migrations" ORDER BY "id" DESC`);
    for (const { name } of executed) {
      await dataSource.undoLastMigration();
      if (name === 'DeviceGrantHalfFill1765400000000') break;
    }
    assert.equal(await fillfactor(), undefined);
    await dataSource.runMigrations();
    assert.equal(await fillfactor(), 'fillfactor=50');
  });

  test('the whole flow, slow_down and exactly-once redemption', async () => {
    const code = await requestDeviceCode(server.url);
    assertOAuthError(await poll(server.url, code.device_code), 'authorization_pending');
    clock.advance(1);
    assertOAuthError(await poll(server.url, code.device_code), 'slow_down');
    clock.advance(10);
    assertOAuthError(await poll(server.url, code.device_code), 'authorization_pending');
    await server.grants.approve(code.user_code, 'alice');
    clock.advance(10);
    const answers = await Promise.all(Array.from({ length: 30 }, () => poll(server.url, code.device_code)));
    const ok = answers.filter((answer) => answer.status === 200);
    assert.equal(ok.length, 1);
    const rotated = await refresh(server.url, ok[0].body.refresh_token);
    assert.equal(rotated.status, 200, rotated.text);
    const next = await refresh(server.url, rotated.body.refresh_token);
    assert.equal(next.status, 200, next.text);
    // The first token again, once the family moved on: a replay, and the family goes.
    assertOAuthError(await refresh(server.url, ok[0].body.refresh_token), 'invalid_grant');
    assertOAuthError(await refresh(server.url, next.body.refresh_token), 'invalid_grant');
  });
});
