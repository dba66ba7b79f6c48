import type { AccessTokenRecord, RefreshTokenRecord } from '../records.js';
import type { SqlRow } from './sql-runner.js';

/** A nullable epoch-ms column (PostgreSQL returns bigint as a string). */
function epochOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

export const REFRESH_TOKEN_COLUMNS = `"id", "token_hash", "family_id", "grant_id", "client_id", "subject", "scope", "created_at", "expires_at", "used_at", "revoked_at", "superseded_at"`;

export function toRefreshToken(row: SqlRow): RefreshTokenRecord {
  return {
    id: row.id as string,
    tokenHash: row.token_hash as string,
    familyId: row.family_id as string,
    grantId: row.grant_id as string,
    clientId: row.client_id as string,
    subject: row.subject as string,
    scope: row.scope as string,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    usedAt: epochOrNull(row.used_at),
    revokedAt: epochOrNull(row.revoked_at),
    supersededAt: epochOrNull(row.superseded_at),
  };
}

export const ACCESS_TOKEN_COLUMNS = `"jti", "grant_id", "family_id", "client_id", "subject", "created_at", "expires_at", "revoked_at"`;

export function toAccessToken(row: SqlRow): AccessTokenRecord {
  return {
    jti: row.jti as string,
    grantId: row.grant_id as string,
    familyId: (row.family_id as string | null) ?? null,
    clientId: row.client_id as string,
    subject: row.subject as string,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    revokedAt: epochOrNull(row.revoked_at),
  };
}
