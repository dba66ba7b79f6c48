import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Lets the purge find expired refresh tokens through an index. */
export class HousekeepingIndexes1765100000000 implements MigrationInterface {
  name = 'HousekeepingIndexes1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "dg_refresh_token_expires_at" ON "dg_refresh_token" ("expires_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "dg_refresh_token_expires_at"`);
  }
}
