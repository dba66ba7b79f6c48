import type { AccessTokenStore, RefreshTokenStore, RefreshTokenUse } from '../device-grant-store.js';
import type { AccessTokenRecord, RefreshTokenRecord } from '../records.js';
import { BatchedInsert, type InsertColumn } from './batched-insert.js';
import { GroupCommit } from './group-commit.js';
import { ACCESS_TOKEN_COLUMNS, REFRESH_TOKEN_COLUMNS, toAccessToken, toRefreshToken } from './rows.js';
import { batchParameters, batchesAtOnce, type SqlRow, type SqlRunner } from './sql-runner.js';

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

/**
 * Takes the live tokens of a batch of uses (`[hash, client_id, at]` rows): the statement that decides
 * which of two concurrent uses rotates. A token twice in one batch is updated once.
 */
const USE_SQLITE =
  `UPDATE "dg_refresh_token" SET "used_at" = "use"."value" ->> 2 FROM json_each($1) AS "use"` +
  ` WHERE "token_hash" = "use"."value" ->> 0 AND "client_id" = "use"."value" ->> 1` +
  ` AND "used_at" IS NULL AND "revoked_at" IS NULL AND "expires_at" > "use"."value" ->> 2` +
  ` RETURNING ${REFRESH_TOKEN_COLUMNS}`;
const USE_POSTGRES =
  `UPDATE "dg_refresh_token" AS "t" SET "used_at" = "use"."at"` +
  ` FROM unnest($1::varchar[], $2::varchar[], $3::bigint[]) AS "use"("hash", "client_id", "at")` +
  ` WHERE "t"."token_hash" = "use"."hash" AND "t"."client_id" = "use"."client_id"` +
  ` AND "t"."used_at" IS NULL AND "t"."revoked_at" IS NULL AND "t"."expires_at" > "use"."at"` +
  ` RETURNING ${REFRESH_TOKEN_COLUMNS.replace(/"(\w+)"/g, '"t"."$1"')}`;
const FIND = `SELECT ${REFRESH_TOKEN_COLUMNS} FROM "dg_refresh_token" WHERE "token_hash" = $1`;
const RELEASE = `UPDATE "dg_refresh_token" SET "used_at" = NULL WHERE "id" = $1`;
const REVOKED_SQLITE = `SELECT "id", "revoked_at" FROM "dg_refresh_token" WHERE "id" IN (SELECT "value" ->> 0 FROM json_each($1))`;
const REVOKED_POSTGRES = `SELECT "id", "revoked_at" FROM "dg_refresh_token" WHERE "id" = ANY($1::varchar[])`;
const MAX_BATCH = 256;

interface Use {
  tokenHash: string;
  clientId: string;
  at: number;
}
/**
 * A retried rotation: the successor of the token used at $3 (the family's live token issued since) is
 * revoked and marked superseded, unless the family has moved on (a token issued since was used).
 */
const SUPERSEDE =
  `UPDATE "dg_refresh_token" SET "revoked_at" = $2, "superseded_at" = $2` +
  ` WHERE "family_id" = $1 AND "used_at" IS NULL AND "revoked_at" IS NULL AND "created_at" >= $3` +
  ` AND NOT EXISTS (SELECT 1 FROM "dg_refresh_token" AS "moved" WHERE "moved"."family_id" = $1 AND "moved"."created_at" >= $3 AND "moved"."used_at" IS NOT NULL AND "moved"."id" <> $4)` +
  ` RETURNING "id"`;
/** The access tokens issued with that successor (in the family, since the use at $3). */
const SUPERSEDE_ACCESS = `UPDATE "dg_access_token" SET "revoked_at" = $2 WHERE "family_id" = $1 AND "revoked_at" IS NULL AND "created_at" >= $3`;
const REVOKE_FAMILY = `UPDATE "dg_refresh_token" SET "revoked_at" = $2 WHERE "family_id" = $1 AND "revoked_at" IS NULL`;
const REVOKE_FAMILY_ACCESS = `UPDATE "dg_access_token" SET "revoked_at" = $2 WHERE "family_id" = $1 AND "revoked_at" IS NULL`;
const REVOKE_GRANT = `UPDATE "dg_refresh_token" SET "revoked_at" = $2 WHERE "grant_id" = $1 AND "revoked_at" IS NULL`;
const REVOKE_GRANT_ACCESS = `UPDATE "dg_access_token" SET "revoked_at" = $2 WHERE "grant_id" = $1 AND "revoked_at" IS NULL`;

/**
 * Refresh tokens on fixed SQL: a rotation is one conditional UPDATE (the usual case) and one batched
 * INSERT of the successor. TypeORM's repositories prepared the SQL of each anew, which made a refresh
 * the slowest request of all.
 */
/** A successor and the token it succeeds. */
type Successor = { token: RefreshTokenRecord; predecessorId: string };
const SUCCESSOR_COLUMNS: InsertColumn<Successor>[] = REFRESH_INSERT.map((column) => ({ ...column, value: (row: Successor) => column.value(row.token) }));
/** Not inserted: read by the condition that the predecessor is not revoked. */
const PREDECESSOR: InsertColumn<Successor> = { name: 'predecessor_id', postgresType: 'varchar', value: (row) => row.predecessorId };

export class TypeOrmRefreshTokenStore implements RefreshTokenStore {
  private readonly inserts: BatchedInsert<RefreshTokenRecord>;
  private readonly successors: BatchedInsert<Successor>;
  private readonly uses: GroupCommit<Use, RefreshTokenRecord | undefined>;
  private readonly revokedChecks: GroupCommit<string, boolean>;

  constructor(private readonly runner: SqlRunner) {
    const batches = { maxBatch: MAX_BATCH, concurrency: batchesAtOnce(runner.dialect) };
    this.inserts = new BatchedInsert(runner, 'dg_refresh_token', REFRESH_INSERT, REFRESH_ID);
    this.successors = new BatchedInsert(runner, 'dg_refresh_token', SUCCESSOR_COLUMNS, SUCCESSOR_COLUMNS[0], {
      extra: [PREDECESSOR],
      condition: (value) =>
        `NOT EXISTS (SELECT 1 FROM "dg_refresh_token" AS "p" WHERE "p"."id" = ${value('predecessor_id')} AND "p"."revoked_at" IS NOT NULL)`,
    });
    this.uses = new GroupCommit((uses) => this.takeMany(uses), batches);
    this.revokedChecks = new GroupCommit((ids) => this.revokedMany(ids), batches);
  }

  async insert(token: RefreshTokenRecord): Promise<void> {
    if (!(await this.inserts.insert(token))) throw new Error('a refresh token with this id or hash exists');
  }

  async use(tokenHash: string, clientId: string, now: number, retryGraceMs = 0): Promise<RefreshTokenUse> {
    // Twice at most: a token released by a failed rotation between the update and the read is live again.
    for (let attempt = 0; attempt < 2; attempt++) {
      const taken = await this.uses.submit({ tokenHash, clientId, at: now });
      if (taken) return { outcome: 'rotated', token: taken };
      const token = await this.find(tokenHash);
      if (!token) return { outcome: 'unknown' };
      if (token.clientId !== clientId) return { outcome: 'other_client', token };
      if (token.supersededAt !== null) {
        await this.revokeFamily(token.familyId, now);
        return { outcome: 'reused', token };
      }
      if (token.revokedAt !== null) return { outcome: 'revoked', token };
      if (token.usedAt !== null) {
        // A retry: the successor is superseded in one conditional statement, so a use of it racing
        // this retry makes one of them fail, and that one is a replay.
        if (now - token.usedAt < retryGraceMs && (await this.runner.rows(SUPERSEDE, [token.familyId, now, token.usedAt, token.id])).length > 0) {
          await this.runner.rows(SUPERSEDE_ACCESS, [token.familyId, now, token.usedAt]);
          return { outcome: 'retried', token };
        }
        await this.revokeFamily(token.familyId, now);
        return { outcome: 'reused', token };
      }
      if (token.expiresAt <= now) return { outcome: 'expired', token };
    }
    // Live on both reads, yet taken by neither update: uses and releases racing this one. A replay.
    const token = await this.find(tokenHash);
    if (!token) return { outcome: 'unknown' };
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

  /**
   * One conditional INSERT (in a batch with the others that arrive together) skips the successor of a
   * revoked predecessor. On SQLite that settles it: the connection runs one statement at a time, so a
   * revocation is wholly before the insert (no successor) or after it (and takes the successor down).
   * On PostgreSQL a revocation committing while the insert runs is seen by neither, so the predecessor
   * is read again once the insert has committed.
   */
  async insertSuccessor(token: RefreshTokenRecord, predecessorId: string): Promise<boolean> {
    const inserted = await this.successors.insert({ token, predecessorId });
    const revoked = (!inserted || this.runner.dialect === 'postgres') && (await this.revokedChecks.submit(predecessorId));
    if (!inserted && !revoked) throw new Error('a refresh token with this id or hash exists');
    if (revoked) await this.revokeFamily(token.familyId, token.createdAt);
    return !revoked;
  }

  async revokeFamily(familyId: string, now: number): Promise<void> {
    await this.runner.rows(REVOKE_FAMILY, [familyId, now]);
    await this.runner.rows(REVOKE_FAMILY_ACCESS, [familyId, now]);
  }

  async revokeGrant(grantId: string, now: number): Promise<void> {
    await this.runner.rows(REVOKE_GRANT, [grantId, now]);
    await this.runner.rows(REVOKE_GRANT_ACCESS, [grantId, now]);
  }

  /** One statement for the uses that arrived together; each token taken goes to the first use that asked for it. */
  private async takeMany(uses: readonly Use[]): Promise<(RefreshTokenRecord | undefined)[]> {
    const rows = uses.map((use) => [use.tokenHash, use.clientId, use.at]);
    const sql = this.runner.dialect === 'sqlite' ? USE_SQLITE : USE_POSTGRES;
    const taken = new Map<string, SqlRow>((await this.runner.rows(sql, batchParameters(this.runner.dialect, rows, 3))).map((row) => [row.token_hash as string, row]));
    return uses.map((use) => {
      const row = taken.get(use.tokenHash);
      if (!row || row.client_id !== use.clientId) return undefined;
      taken.delete(use.tokenHash);
      return toRefreshToken(row);
    });
  }

  private async revokedMany(ids: readonly string[]): Promise<boolean[]> {
    const distinct = [...new Set(ids)].map((id) => [id]);
    const sql = this.runner.dialect === 'sqlite' ? REVOKED_SQLITE : REVOKED_POSTGRES;
    const rows = await this.runner.rows(sql, batchParameters(this.runner.dialect, distinct, 1));
    const live = new Set(rows.filter((row) => row.revoked_at === null).map((row) => row.id as string));
    return ids.map((id) => !live.has(id));
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
