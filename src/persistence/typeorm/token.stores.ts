import type { AccessTokenStore, RefreshTokenStore, RefreshTokenUse } from '../device-grant-store.js';
import type { AccessTokenRecord, RefreshTokenRecord } from '../records.js';
import { BatchedInsert, type InsertColumn } from './batched-insert.js';
import { ACCESS_TOKEN_COLUMNS, REFRESH_TOKEN_COLUMNS, toAccessToken, toRefreshToken } from './rows.js';
import type { SqlRunner } from './sql-runner.js';

const REFRESH_ID: InsertColumn<RefreshTokenRecord> = { name: 'id', postgresType: 'varchar', value: (token) => token.id };
const REFRESH_INSERT: InsertColumn<RefreshTokenRecord>[] = [
  REFRESH_ID,
  { name: 'token_hash', postgresType: 'varchar', value: (token) => token.tokenHash },
  { name: 'family_id', postgresType: 'varchar', value: (token) => token.familyId },
  { name: 'grant_id', postgresType: 'varchar', value: (token) => token.grantId },
  { name: 'client_id', postgresType: 'varchar', value: (token) => token.clientId },
  { name: 'subject', postgresType: 'varchar', value: (token) => token.subject },
  { name: 'scope', postgresType: 'text', value: (token) => token.scope },
  { name: 'created_at', postgresType: 'bigint', value: (token) => token.createdAt },
  { name: 'expires_at', postgresType: 'bigint', value: (token) => token.expiresAt },
  { name: 'used_at', postgresType: 'bigint', value: (token) => token.usedAt },
  { name: 'revoked_at', postgresType: 'bigint', value: (token) => token.revokedAt },
];

/** Takes a live token of this client: the statement that decides which of two concurrent uses rotates. */
const USE =
  `UPDATE "dg_refresh_token" SET "used_at" = $3 WHERE "token_hash" = $1 AND "client_id" = $2` +
  ` AND "used_at" IS NULL AND "revoked_at" IS NULL AND "expires_at" > $3 RETURNING ${REFRESH_TOKEN_COLUMNS}`;
const FIND = `SELECT ${REFRESH_TOKEN_COLUMNS} FROM "dg_refresh_token" WHERE "token_hash" = $1`;
const RELEASE = `UPDATE "dg_refresh_token" SET "used_at" = NULL WHERE "id" = $1`;
const REVOKED_AT = `SELECT "revoked_at" FROM "dg_refresh_token" WHERE "id" = $1`;
const REVOKE_FAMILY = `UPDATE "dg_refresh_token" SET "revoked_at" = $2 WHERE "family_id" = $1 AND "revoked_at" IS NULL`;
const REVOKE_FAMILY_ACCESS = `UPDATE "dg_access_token" SET "revoked_at" = $2 WHERE "family_id" = $1 AND "revoked_at" IS NULL`;
const REVOKE_GRANT = `UPDATE "dg_refresh_token" SET "revoked_at" = $2 WHERE "grant_id" = $1 AND "revoked_at" IS NULL`;
const REVOKE_GRANT_ACCESS = `UPDATE "dg_access_token" SET "revoked_at" = $2 WHERE "grant_id" = $1 AND "revoked_at" IS NULL`;

/**
 * Refresh tokens on fixed SQL: a rotation is one conditional UPDATE (the usual case) and one batched
 * INSERT of the successor. TypeORM's repositories prepared the SQL of each anew, which made a refresh
 * the slowest request of all.
 */
export class TypeOrmRefreshTokenStore implements RefreshTokenStore {
  private readonly inserts: BatchedInsert<RefreshTokenRecord>;

  constructor(private readonly runner: SqlRunner) {
    this.inserts = new BatchedInsert(runner, 'dg_refresh_token', REFRESH_INSERT, REFRESH_ID);
  }

  async insert(token: RefreshTokenRecord): Promise<void> {
    if (!(await this.inserts.insert(token))) throw new Error('a refresh token with this id or hash exists');
  }

  async use(tokenHash: string, clientId: string, now: number): Promise<RefreshTokenUse> {
    // Twice at most: a token released by a failed rotation between the update and the read is live again.
    for (let attempt = 0; attempt < 2; attempt++) {
      const [taken] = await this.runner.rows(USE, [tokenHash, clientId, now]);
      if (taken) return { outcome: 'rotated', token: toRefreshToken(taken) };
      const token = await this.find(tokenHash);
      if (!token) return { outcome: 'unknown' };
      if (token.clientId !== clientId) return { outcome: 'other_client', token };
      if (token.revokedAt !== null) return { outcome: 'revoked', token };
      if (token.usedAt !== null) {
        await this.revokeFamily(token.familyId, now);
        return { outcome: 'reused', token };
      }
      if (token.expiresAt <= now) return { outcome: 'expired', token };
    }
    const token = (await this.find(tokenHash))!;
    await this.revokeFamily(token.familyId, now);
    return { outcome: 'reused', token };
  }

  async release(id: string): Promise<void> {
    await this.runner.rows(RELEASE, [id]);
  }

  async find(tokenHash: string): Promise<RefreshTokenRecord | null> {
    const [row] = await this.runner.rows(FIND, [tokenHash]);
    return row ? toRefreshToken(row) : null;
  }

  async isRevoked(id: string): Promise<boolean> {
    const [row] = await this.runner.rows(REVOKED_AT, [id]);
    return row === undefined || row.revoked_at !== null;
  }

  async revokeFamily(familyId: string, now: number): Promise<void> {
    await this.runner.rows(REVOKE_FAMILY, [familyId, now]);
    await this.runner.rows(REVOKE_FAMILY_ACCESS, [familyId, now]);
  }

  async revokeGrant(grantId: string, now: number): Promise<void> {
    await this.runner.rows(REVOKE_GRANT, [grantId, now]);
    await this.runner.rows(REVOKE_GRANT_ACCESS, [grantId, now]);
  }
}

const ACCESS_JTI: InsertColumn<AccessTokenRecord> = { name: 'jti', postgresType: 'varchar', value: (token) => token.jti };
const ACCESS_INSERT: InsertColumn<AccessTokenRecord>[] = [
  ACCESS_JTI,
  { name: 'grant_id', postgresType: 'varchar', value: (token) => token.grantId },
  { name: 'family_id', postgresType: 'varchar', value: (token) => token.familyId },
  { name: 'client_id', postgresType: 'varchar', value: (token) => token.clientId },
  { name: 'subject', postgresType: 'varchar', value: (token) => token.subject },
  { name: 'created_at', postgresType: 'bigint', value: (token) => token.createdAt },
  { name: 'expires_at', postgresType: 'bigint', value: (token) => token.expiresAt },
  { name: 'revoked_at', postgresType: 'bigint', value: (token) => token.revokedAt },
];
const FIND_ACCESS = `SELECT ${ACCESS_TOKEN_COLUMNS} FROM "dg_access_token" WHERE "jti" = $1`;
const REVOKE_ACCESS = `UPDATE "dg_access_token" SET "revoked_at" = $2 WHERE "jti" = $1 AND "revoked_at" IS NULL`;

/** Access-token records on fixed SQL; the records of tokens issued together share one INSERT. */
export class TypeOrmAccessTokenStore implements AccessTokenStore {
  private readonly inserts: BatchedInsert<AccessTokenRecord>;

  constructor(private readonly runner: SqlRunner) {
    this.inserts = new BatchedInsert(runner, 'dg_access_token', ACCESS_INSERT, ACCESS_JTI);
  }

  async insert(token: AccessTokenRecord): Promise<void> {
    if (!(await this.inserts.insert(token))) throw new Error('an access token with this jti exists');
  }

  async find(jti: string): Promise<AccessTokenRecord | null> {
    const [row] = await this.runner.rows(FIND_ACCESS, [jti]);
    return row ? toAccessToken(row) : null;
  }

  async revoke(jti: string, now: number): Promise<void> {
    await this.runner.rows(REVOKE_ACCESS, [jti, now]);
  }
}
