import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A signing key can be revoked (a compromise): out of the JWKS at once, whatever it signed refused. */
export class SigningKeyRevocation1765500000000 implements MigrationInterface {
  name = 'SigningKeyRevocation1765500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "dg_signing_key" ADD COLUMN "revoked_at" bigint`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "dg_signing_key" DROP COLUMN "revoked_at"`);
  }
}
