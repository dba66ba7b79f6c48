import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from '../columns.js';
import type { GrantRecord, DeviceGrantStatus } from '../records.js';

/**
 * One device authorization request, from the device's first call to the redemption of its code.
 * @see RFC 8628 §3.1–3.5
 */
@Entity({ name: 'dg_device_grant' })
export class DeviceGrantEntity implements GrantRecord {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id: string;

  /**
   * The device code's lookup key: its issue time, then its SHA-256 (see `deviceCodeKey`); the code
   * itself is never stored.
   */
  @Index('dg_device_grant_device_code_hash', { unique: true })
  @Column({ name: 'device_code_hash', type: 'varchar', length: 64 })
  deviceCodeHash: string;

  /** The user code, normalised (only alphabet characters, upper case). */
  @Index('dg_device_grant_user_code', { unique: true })
  @Column({ name: 'user_code', type: 'varchar', length: 32 })
  userCode: string;

  @Column({ name: 'client_id', type: 'varchar', length: 200 })
  clientId: string;

  /** Space-separated scopes requested. */
  @Column({ type: 'text', default: '' })
  scope: string;

  @Column({ type: 'varchar', length: 16 })
  status: DeviceGrantStatus;

  /** The approving user's identifier, once approved. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  subject: string | null;

  /** Current minimum seconds between polls; grows by 5 with every `slow_down`. */
  @Column({ name: 'poll_interval', type: 'integer' })
  interval: number;

  @Column({ name: 'last_polled_at', type: 'bigint', nullable: true, transformer: epochMs })
  lastPolledAt: number | null;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;

  @Index('dg_device_grant_expires_at')
  @Column({ name: 'expires_at', type: 'bigint', transformer: epochMs })
  expiresAt: number;

  @Column({ name: 'decided_at', type: 'bigint', nullable: true, transformer: epochMs })
  decidedAt: number | null;

  @Column({ name: 'redeemed_at', type: 'bigint', nullable: true, transformer: epochMs })
  redeemedAt: number | null;

  @Column({ name: 'device_name', type: 'varchar', length: 400, nullable: true })
  deviceName: string | null;

  @Column({ name: 'device_model', type: 'varchar', length: 400, nullable: true })
  deviceModel: string | null;

  @Column({ name: 'device_serial', type: 'varchar', length: 400, nullable: true })
  deviceSerial: string | null;

  /** The IP address the device request came from (shown to the approving user). */
  @Column({ name: 'request_ip', type: 'varchar', length: 64, nullable: true })
  requestIp: string | null;

  @Column({ name: 'request_user_agent', type: 'varchar', length: 400, nullable: true })
  requestUserAgent: string | null;

  /** When the approving user disconnected the device (its tokens are revoked); null while connected. */
  @Column({ name: 'revoked_at', type: 'bigint', nullable: true, transformer: epochMs })
  revokedAt: number | null;
}
