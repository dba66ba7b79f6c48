import type { MigrationInterface, QueryRunner } from 'typeorm';

const SQLITE = [
  `CREATE TABLE "dg_client" ("client_id" varchar(200) PRIMARY KEY NOT NULL, "name" varchar(200) NOT NULL, "secret_hash" varchar(300), "scopes" text NOT NULL DEFAULT (''), "grant_types" text NOT NULL, "access_token_ttl" integer, "refresh_token_ttl" integer, "always_issue_refresh_token" boolean NOT NULL DEFAULT (0), "disabled" boolean NOT NULL DEFAULT (0), "created_at" bigint NOT NULL)`,
  `CREATE TABLE "dg_device_grant" ("id" varchar(36) PRIMARY KEY NOT NULL, "device_code_hash" varchar(64) NOT NULL, "user_code" varchar(32) NOT NULL, "client_id" varchar(200) NOT NULL, "scope" text NOT NULL DEFAULT (''), "status" varchar(16) NOT NULL, "subject" varchar(255), "poll_interval" integer NOT NULL, "last_polled_at" bigint, "created_at" bigint NOT NULL, "expires_at" bigint NOT NULL, "decided_at" bigint, "redeemed_at" bigint, "device_name" varchar(400), "device_model" varchar(400), "device_serial" varchar(400), "request_ip" varchar(64), "request_user_agent" varchar(400))`,
  `CREATE TABLE "dg_refresh_token" ("id" varchar(36) PRIMARY KEY NOT NULL, "token_hash" varchar(64) NOT NULL, "family_id" varchar(36) NOT NULL, "grant_id" varchar(36) NOT NULL, "client_id" varchar(200) NOT NULL, "subject" varchar(255) NOT NULL, "scope" text NOT NULL DEFAULT (''), "created_at" bigint NOT NULL, "expires_at" bigint NOT NULL, "used_at" bigint, "revoked_at" bigint)`,
  `CREATE TABLE "dg_signing_key" ("kid" varchar(64) PRIMARY KEY NOT NULL, "alg" varchar(16) NOT NULL, "public_jwk" text NOT NULL, "private_jwk" text NOT NULL, "created_at" bigint NOT NULL, "rotated_at" bigint)`,
];

const POSTGRES = [
  `CREATE TABLE "dg_client" ("client_id" character varying(200) NOT NULL, "name" character varying(200) NOT NULL, "secret_hash" character varying(300), "scopes" text NOT NULL DEFAULT '', "grant_types" text NOT NULL, "access_token_ttl" integer, "refresh_token_ttl" integer, "always_issue_refresh_token" boolean NOT NULL DEFAULT false, "disabled" boolean NOT NULL DEFAULT false, "created_at" bigint NOT NULL, CONSTRAINT "dg_client_pk" PRIMARY KEY ("client_id"))`,
  `CREATE TABLE "dg_device_grant" ("id" character varying(36) NOT NULL, "device_code_hash" character varying(64) NOT NULL, "user_code" character varying(32) NOT NULL, "client_id" character varying(200) NOT NULL, "scope" text NOT NULL DEFAULT '', "status" character varying(16) NOT NULL, "subject" character varying(255), "poll_interval" integer NOT NULL, "last_polled_at" bigint, "created_at" bigint NOT NULL, "expires_at" bigint NOT NULL, "decided_at" bigint, "redeemed_at" bigint, "device_name" character varying(400), "device_model" character varying(400), "device_serial" character varying(400), "request_ip" character varying(64), "request_user_agent" character varying(400), CONSTRAINT "dg_device_grant_pk" PRIMARY KEY ("id"))`,
  `CREATE TABLE "dg_refresh_token" ("id" character varying(36) NOT NULL, "token_hash" character varying(64) NOT NULL, "family_id" character varying(36) NOT NULL, "grant_id" character varying(36) NOT NULL, "client_id" character varying(200) NOT NULL, "subject" character varying(255) NOT NULL, "scope" text NOT NULL DEFAULT '', "created_at" bigint NOT NULL, "expires_at" bigint NOT NULL, "used_at" bigint, "revoked_at" bigint, CONSTRAINT "dg_refresh_token_pk" PRIMARY KEY ("id"))`,
  `CREATE TABLE "dg_signing_key" ("kid" character varying(64) NOT NULL, "alg" character varying(16) NOT NULL, "public_jwk" text NOT NULL, "private_jwk" text NOT NULL, "created_at" bigint NOT NULL, "rotated_at" bigint, CONSTRAINT "dg_signing_key_pk" PRIMARY KEY ("kid"))`,
];

/** Indexes for every hot lookup: hashed device code, normalised user code, refresh-token hash. */
const INDEXES = [
  `CREATE UNIQUE INDEX "dg_device_grant_device_code_hash" ON "dg_device_grant" ("device_code_hash")`,
  `CREATE UNIQUE INDEX "dg_device_grant_user_code" ON "dg_device_grant" ("user_code")`,
  `CREATE INDEX "dg_device_grant_expires_at" ON "dg_device_grant" ("expires_at")`,
  `CREATE UNIQUE INDEX "dg_refresh_token_token_hash" ON "dg_refresh_token" ("token_hash")`,
  `CREATE INDEX "dg_refresh_token_family_id" ON "dg_refresh_token" ("family_id")`,
  `CREATE INDEX "dg_refresh_token_grant_id" ON "dg_refresh_token" ("grant_id")`,
];

/** The first schema: clients, device grants, refresh-token families, signing keys. */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const tables = queryRunner.connection.options.type === 'postgres' ? POSTGRES : SQLITE;
    for (const sql of [...tables, ...INDEXES]) await queryRunner.query(sql);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['dg_signing_key', 'dg_refresh_token', 'dg_device_grant', 'dg_client']) {
      await queryRunner.query(`DROP TABLE "${table}"`);
    }
  }
}
