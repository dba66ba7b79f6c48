import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from '../columns.js';
import type { SignInRecord } from '../records.js';

/** A sign-in on the activation pages (see `SignInRecord`): a sign-out ends it for every copy of its cookie. */
@Entity({ name: 'dg_sign_in' })
export class SignInEntity implements SignInRecord {
  /** SHA-256 (hex) of the sign-in id in the cookie. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  @Index('dg_sign_in_subject')
  @Column({ type: 'varchar', length: 255 })
  subject: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;

  @Index('dg_sign_in_expires_at')
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMs })
  expiresAt: number;

  @Column({ name: 'ended_at', type: 'bigint', nullable: true, transformer: epochMs })
  endedAt: number | null;
}
