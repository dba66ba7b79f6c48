import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from '../columns.js';
import type { AccessTokenRecord } from '../records.js';

/**
 * One issued JWT access token, by `jti`, kept until it expires: what a revocation needs to find the
 * tokens of a refresh-token family or a grant (the JWT itself does not say), and where a revoked
 * token is marked so that introspection (and resource servers asking it) see it as inactive.
 * @see RFC 7009 §2.1, RFC 7662 §2.2, RFC 9068 §2.2
 */
@Entity({ name: 'dg_access_token' })
export class AccessTokenEntity implements AccessTokenRecord {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  jti: string;

  /** The device grant the token came from. */
  @Index('dg_access_token_grant_id')
  @Column({ name: 'grant_id', type: 'varchar', length: 36 })
  grantId: string;

  /** The refresh-token family issued with it; null when the grant has no refresh token. */
  @Index('dg_access_token_family_id')
  @Column({ name: 'family_id', type: 'varchar', length: 36, nullable: true })
  familyId: string | null;

  @Column({ name: 'client_id', type: 'varchar', length: 200 })
  clientId: string;

  @Column({ type: 'varchar', length: 255 })
  subject: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;

  /** The token's `exp`, in milliseconds; the row may be deleted after it. */
  @Index('dg_access_token_expires_at')
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMs })
  expiresAt: number;

  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: epochMs })
  revokedAt: number | null;
}
