import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from '../columns.js';
import type { SigningKeyRecord } from '../records.js';

/**
 * An asymmetric key pair that signs access tokens. The newest active key signs; older ones stay
 * published in the JWKS until their tokens have expired.
 * @see RFC 9068 §4
 */
@Entity({ name: 'dg_signing_key' })
export class SigningKeyEntity implements SigningKeyRecord {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  kid: string;

  @Column({ type: 'varchar', length: 16 })
  alg: string;

  /** The public JWK, JSON. */
  @Column({ name: 'public_jwk', type: 'text' })
  publicJwk: string;

  /** The private JWK, sealed with the key-encryption key (see `KeyVault`). */
  @Column({ name: 'private_jwk', type: 'text' })
  privateJwk: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;

  /** When it stopped signing (a newer key took over); null while current. */
  @Column({ name: 'rotated_at', type: 'bigint', nullable: true, transformer: epochMs })
  rotatedAt: number | null;

  /** When it was revoked (out of the JWKS at once); null unless revoked. */
  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: epochMs })
  revokedAt: number | null;
}
