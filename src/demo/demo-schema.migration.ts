import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The demo server's own table: its users. */
export class DemoUsers1764000000100 implements MigrationInterface {
  name = 'DemoUsers1764000000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    const text = queryRunner.connection.options.type === 'postgres' ? 'character varying' : 'varchar';
    await queryRunner.query(
      `CREATE TABLE "demo_user" ("username" ${text}(100) NOT NULL PRIMARY KEY, "display_name" ${text}(200) NOT NULL, "password_hash" ${text}(300) NOT NULL)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "demo_user"`);
  }
}
