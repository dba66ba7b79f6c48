import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from '../columns.js';

/**
 * A failure counter with a growing lockout, keyed by what is limited (a client IP, a browser
 * session), kept in the database so it holds across restarts and instances.
 * @see RFC 8628 §5.1, RFC 6749 §10.10
 */
@Entity({ name: 'dg_rate_limit' })
export class RateLimitEntity {
  /** `<purpose>:<scope>:<hash or address>`. */
  @PrimaryColumn({ type: 'varchar', length: 120 })
  key: string;

  /** Start of the current counting window. */
  @Column({ name: 'window_start', type: 'bigint', transformer: epochMs })
  windowStart: number;

  /** Failures in the current window. */
  @Column({ type: 'integer' })
  failures: number;

  /** Until when the key is locked out (0 when not). */
  @Column({ name: 'locked_until', type: 'bigint', transformer: epochMs })
  lockedUntil: number;

  /** How many lockouts so far; each doubles the next. */
  @Column({ type: 'integer' })
  lockouts: number;

  @Index('dg_rate_limit_updated_at')
  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMs })
  updatedAt: number;
}
