import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A refresh token superseded by a retried rotation (issue 19): presented later, it revokes its family. */
export class RefreshRetry1765700000000 implements MigrationInterface {
  name = 'RefreshRetry1765700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "dg_refresh_token" ADD COLUMN "superseded_at" bigint`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "dg_refresh_token" DROP COLUMN "superseded_at"`);
  }
}
