import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PostgreSQL: leaves half of every `dg_device_grant` page free. A grant is polled every few seconds
 * from the moment it is issued, and every poll updates its row (`last_polled_at`, an unindexed
 * column). With room on the same page PostgreSQL writes the new row version there as a heap-only
 * tuple (HOT) and touches none of the table's four indexes; with the default full pages most first
 * polls moved their row and wrote every index (bench/RESULTS.md has the measurements). The price is
 * a table twice the size of its rows; grants live minutes and housekeeping removes them. Applies to
 * pages written from now on. SQLite updates rows in place: nothing to do.
 * @see https://www.postgresql.org/docs/current/storage-hot.html
 */
export class DeviceGrantHalfFill1765400000000 implements MigrationInterface {
  name = 'DeviceGrantHalfFill1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    await queryRunner.query(`ALTER TABLE "dg_device_grant" SET (fillfactor = 50)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    await queryRunner.query(`ALTER TABLE "dg_device_grant" RESET (fillfactor)`);
  }
}
