import type { MigrationInterface, QueryRunner } from 'typeorm';

const SQLITE = [
  `CREATE TABLE "dg_access_token" ("jti" varchar(64) PRIMARY KEY NOT NULL, "grant_id" varchar(36) NOT NULL, "family_id" varchar(36), "client_id" varchar(200) NOT NULL, "subject" varchar(255) NOT NULL, "created_at" bigint NOT NULL, "expires_at" bigint NOT NULL, "revoked_at" bigint)`,
  `ALTER TABLE "dg_device_grant" ADD COLUMN "revoked_at" bigint`,
];

const POSTGRES = [
  `CREATE TABLE "dg_access_token" ("jti" character varying(64) NOT NULL, "grant_id" character varying(36) NOT NULL, "family_id" character varying(36), "client_id" character varying(200) NOT NULL, "subject" character varying(255) NOT NULL, "created_at" bigint NOT NULL, "expires_at" bigint NOT NULL, "revoked_at" bigint, CONSTRAINT "dg_access_token_pk" PRIMARY KEY ("jti"))`,
  `ALTER TABLE "dg_device_grant" ADD COLUMN "revoked_at" bigint`,
];

/** Lookups by grant and family (revocation), by expiry (purge), and a person's grants (grant management). */
const INDEXES = [
  `CREATE INDEX "dg_access_token_grant_id" ON "dg_access_token" ("grant_id")`,
  `CREATE INDEX "dg_access_token_family_id" ON "dg_access_token" ("family_id")`,
  `CREATE INDEX "dg_access_token_expires_at" ON "dg_access_token" ("expires_at")`,
  `CREATE INDEX "dg_device_grant_subject" ON "dg_device_grant" ("subject")`,
];

/** Revocation: issued access tokens by `jti`, and grants a person disconnected. @see RFC 7009 */
export class TokenRevocation1765000000000 implements MigrationInterface {
  name = 'TokenRevocation1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const statements = queryRunner.connection.options.type === 'postgres' ? POSTGRES : SQLITE;
    for (const sql of [...statements, ...INDEXES]) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "dg_device_grant_subject"`);
    await queryRunner.query(`ALTER TABLE "dg_device_grant" DROP COLUMN "revoked_at"`);
    await queryRunner.query(`DROP TABLE "dg_access_token"`);
  }
}
