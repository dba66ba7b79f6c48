import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Secret rotation with a grace period: the replaced secret's hash and when it stops being accepted. */
export class ClientSecretRotation1765300000000 implements MigrationInterface {
  name = 'ClientSecretRotation1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const text = queryRunner.connection.options.type === 'postgres' ? 'character varying' : 'varchar';
    await queryRunner.query(`ALTER TABLE "dg_client" ADD COLUMN "previous_secret_hash" ${text}(300)`);
    await queryRunner.query(`ALTER TABLE "dg_client" ADD COLUMN "previous_secret_expires_at" bigint`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "dg_client" DROP COLUMN "previous_secret_expires_at"`);
    await queryRunner.query(`ALTER TABLE "dg_client" DROP COLUMN "previous_secret_hash"`);
  }
}
