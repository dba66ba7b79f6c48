import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Sign-ins on the activation pages, kept on the server so that a sign-out ends every copy of a cookie. */
export class SignIns1765600000000 implements MigrationInterface {
  name = 'SignIns1765600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const text = queryRunner.connection.options.type === 'postgres' ? 'character varying' : 'varchar';
    await queryRunner.query(
      `CREATE TABLE "dg_sign_in" ("id" ${text}(64) PRIMARY KEY NOT NULL, "subject" ${text}(255) NOT NULL, ` +
        `"created_at" bigint NOT NULL, "expires_at" bigint NOT NULL, "ended_at" bigint)`,
    );
    await queryRunner.query(`CREATE INDEX "dg_sign_in_subject" ON "dg_sign_in" ("subject")`);
    await queryRunner.query(`CREATE INDEX "dg_sign_in_expires_at" ON "dg_sign_in" ("expires_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "dg_sign_in"`);
  }
}
