import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from '../columns.js';
import type { ClientRecord } from '../records.js';

/**
 * A registered OAuth client. Public clients (devices) have no secret; confidential ones
 * keep only an scrypt hash of theirs.
 * @see RFC 6749 §2
 */
@Entity({ name: 'dg_client' })
export class OAuthClientEntity implements ClientRecord {
  @PrimaryColumn({ name: 'client_id', type: 'varchar', length: 200 })
  clientId: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  /** `scrypt$N$r$p$salt$hash`, or null for a public client. */
  @Column({ name: 'secret_hash', type: 'varchar', length: 300, nullable: true })
  secretHash: string | null;

  /** The secret replaced by the last rotation, `scrypt$...`; accepted until `previousSecretExpiresAt`. */
  @Column({ name: 'previous_secret_hash', type: 'varchar', length: 300, nullable: true })
  previousSecretHash: string | null;

  /** End of the rotation grace period (ms since the epoch); null when there is no previous secret. */
  @Column({ name: 'previous_secret_expires_at', type: 'bigint', nullable: true, transformer: epochMs })
  previousSecretExpiresAt: number | null;

  /** Space-separated scopes the client may ask for. */
  @Column({ type: 'text', default: '' })
  scopes: string;

  /** Space-separated grant types the client may use. */
  @Column({ name: 'grant_types', type: 'text' })
  grantTypes: string;

  /** Access-token lifetime for this client in seconds; null takes the module's. */
  @Column({ name: 'access_token_ttl', type: 'integer', nullable: true })
  accessTokenTtl: number | null;

  /** Refresh-token lifetime for this client in seconds; null takes the module's. */
  @Column({ name: 'refresh_token_ttl', type: 'integer', nullable: true })
  refreshTokenTtl: number | null;

  /** Issue a refresh token even without `offline_access`. */
  @Column({ name: 'always_issue_refresh_token', type: 'boolean', default: false })
  alwaysIssueRefreshToken: boolean;

  @Column({ type: 'boolean', default: false })
  disabled: boolean;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;
}
