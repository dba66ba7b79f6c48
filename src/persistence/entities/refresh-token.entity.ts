import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from '../columns.js';
import type { RefreshTokenRecord } from '../records.js';

/**
 * One refresh token of a rotation family. Every use rotates it: the used token is marked, a new one
 * joins the family; presenting a used token again revokes the whole family.
 * @see RFC 9700 §4.14.2
 */
@Entity({ name: 'dg_refresh_token' })
export class RefreshTokenEntity implements RefreshTokenRecord {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /** SHA-256 of the token, hex; the token itself is never stored. */
  @Index('dg_refresh_token_token_hash', { unique: true })
  @Column({ name: 'token_hash', type: 'varchar', length: 64 })
  tokenHash: string;

  /** All tokens rotated from one grant share this id. */
  @Index('dg_refresh_token_family_id')
  @Column({ name: 'family_id', type: 'varchar', length: 36 })
  familyId: string;

  /** The device grant the family started from. */
  @Index('dg_refresh_token_grant_id')
  @Column({ name: 'grant_id', type: 'varchar', length: 36 })
  grantId: string;

  @Column({ name: 'client_id', type: 'varchar', length: 200 })
  clientId: string;

  @Column({ type: 'varchar', length: 255 })
  subject: string;

  /** Space-separated scopes the user consented to. */
  @Column({ type: 'text', default: '' })
  scope: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;

  @Index('dg_refresh_token_expires_at')
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMs })
  expiresAt: number;

  /** Set when the token was rotated; a second use is a replay. */
  @Column({ name: 'used_at', type: 'bigint', nullable: true, transformer: epochMs })
  usedAt: number | null;

  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: epochMs })
  revokedAt: number | null;

  /** Set when a retried rotation replaced this unused token (it is revoked too); presented later, the family goes. */
  @Column({ name: 'superseded_at', type: 'bigint', nullable: true, transformer: epochMs })
  supersededAt: number | null;
}
