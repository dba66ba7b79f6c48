import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Tables of the activation page: brute-force counters and the shared session-cookie key. */
export class Activation1764000000200 implements MigrationInterface {
  name = 'Activation1764000000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    const text = queryRunner.connection.options.type === 'postgres' ? 'character varying' : 'varchar';
    await queryRunner.query(
      `CREATE TABLE "dg_rate_limit" ("key" ${text}(120) NOT NULL PRIMARY KEY, "window_start" bigint NOT NULL, "failures" integer NOT NULL, "locked_until" bigint NOT NULL, "lockouts" integer NOT NULL, "updated_at" bigint NOT NULL)`,
    );
    await queryRunner.query(`CREATE INDEX "dg_rate_limit_updated_at" ON "dg_rate_limit" ("updated_at")`);
    await queryRunner.query(
      `CREATE TABLE "dg_server_secret" ("name" ${text}(64) NOT NULL PRIMARY KEY, "value" ${text}(200) NOT NULL, "created_at" bigint NOT NULL)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "dg_server_secret"`);
    await queryRunner.query(`DROP TABLE "dg_rate_limit"`);
  }
}
