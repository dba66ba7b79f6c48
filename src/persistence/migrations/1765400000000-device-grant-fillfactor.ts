import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PostgreSQL: leaves 10 % of every `dg_device_grant` page free. Every poll updates its grant's row
 * (`last_polled_at`, an unindexed column); with room on the same page PostgreSQL writes the new row
 * version as a heap-only tuple (HOT) and touches none of the table's indexes, which at a million
 * live grants no longer stay in cache. Applies to pages written from now on (existing pages keep
 * their fill until rewritten, e.g. by `VACUUM FULL`). SQLite updates rows in place: nothing to do.
 * @see https://www.postgresql.org/docs/current/storage-hot.html
 */
export class DeviceGrantFillfactor1765400000000 implements MigrationInterface {
  name = 'DeviceGrantFillfactor1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    await queryRunner.query(`ALTER TABLE "dg_device_grant" SET (fillfactor = 90)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    await queryRunner.query(`ALTER TABLE "dg_device_grant" RESET (fillfactor)`);
  }
}
