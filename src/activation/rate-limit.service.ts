import { Injectable } from '@nestjs/common';
import { InjectClock, type Clock } from '../clock.js';
import { DeviceGrantEvent } from '../events/device-grant-events.js';
import { DeviceGrantEvents } from '../events/device-grant-events.service.js';
import type { ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { InjectDeviceGrantOptions } from '../device-grant.module-definition.js';
import { InjectDeviceGrantStore, type DeviceGrantStore } from '../persistence/device-grant-store.js';

const MAX_LOCKOUT_MS = 24 * 3600 * 1000;

/** An attempt taken from one or more budgets: whether it may be evaluated, and what it counted. */
export interface Attempt {
  /** The keys it was counted against. */
  readonly keys: readonly string[];
  /** The budget it was checked against. */
  readonly budget: number;
  /** 0 when the attempt may be evaluated; otherwise how long (ms) until it may be tried again. */
  readonly waitMs: number;
  /** Each key's lockouts so far (the next lockout doubles). */
  readonly lockouts: ReadonlyMap<string, number>;
}

/**
 * Guess budgets with a growing lockout, in the database (so they hold across restarts and instances).
 * Every attempt is counted before it is evaluated, in one statement per key (see
 * `RateLimitStore.attempt`), so N parallel attempts have at most the budget evaluated; a right answer
 * gives its attempt back, so only failures spend the budget. When `maxFailures` failures fall inside
 * `failureWindow`, the key is locked for `lockout` seconds, doubling with every further lockout, up
 * to a day; the lockout is started, and its event emitted, by exactly one request.
 * @see RFC 8628 §5.1, RFC 6749 §10.10
 */
@Injectable()
export class RateLimitService {
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly lockoutMs: number;

  constructor(
    @InjectDeviceGrantStore() private readonly store: DeviceGrantStore,
    @InjectDeviceGrantOptions() options: ResolvedDeviceGrantOptions,
    @InjectClock() private readonly clock: Clock,
    private readonly events: DeviceGrantEvents,
  ) {
    const activation = options.activation;
    this.maxFailures = activation.maxFailures;
    this.windowMs = activation.failureWindow * 1000;
    this.lockoutMs = activation.lockout * 1000;
  }

  /**
   * Takes an attempt from each key's budget before the guess is evaluated. `waitMs` 0: evaluate it,
   * then report `failed` or `succeeded`. Otherwise a key is locked (or this attempt was over its
   * budget, which locks it): do not evaluate; the attempt is given back to the keys it did not exceed.
   */
  async attempt(keys: string[], budget = this.maxFailures): Promise<Attempt> {
    const now = this.clock.now();
    const counts = await Promise.all(keys.map((key) => this.store.rateLimits.attempt(key, now, now - this.windowMs)));
    const lockouts = new Map(keys.map((key, index) => [key, counts[index].lockouts]));
    let waitMs = 0;
    const within: string[] = [];
    for (const [index, key] of keys.entries()) {
      const count = counts[index];
      if (count.lockedUntil > now) waitMs = Math.max(waitMs, count.lockedUntil - now);
      else if (count.attempts > budget) waitMs = Math.max(waitMs, (await this.lock(key, now, budget, count.lockouts)) ?? this.lockoutMs);
      else within.push(key);
    }
    if (waitMs > 0) await Promise.all(within.map((key) => this.store.rateLimits.refund(key)));
    return { keys, budget, waitMs, lockouts };
  }

  /** The guess was wrong: the attempt stays counted, and the key that has now spent its budget is locked. */
  async failed(attempt: Attempt): Promise<void> {
    const now = this.clock.now();
    for (const key of attempt.keys) await this.lock(key, now, attempt.budget, attempt.lockouts.get(key) ?? 0);
  }

  /** The guess was right: its attempt is given back, so only failures spend the budget. */
  async succeeded(attempt: Attempt): Promise<void> {
    await Promise.all(attempt.keys.map((key) => this.store.rateLimits.refund(key)));
  }

  /** Locks the key if its budget is spent and no other request locked it first; the lock's length, or undefined. */
  private async lock(key: string, now: number, budget: number, lockouts: number): Promise<number | undefined> {
    const duration = Math.min(this.lockoutMs * 2 ** Math.min(lockouts, 20), MAX_LOCKOUT_MS);
    if (!(await this.store.rateLimits.lock(key, now, now + duration, budget))) return undefined;
    const [purpose, scope] = key.split(':');
    // Session keys are hashes of the session id: not worth exposing, so only IP lockouts name theirs.
    this.events.emit(DeviceGrantEvent.Lockout, {
      scope: `${purpose}:${scope}`,
      ip: scope === 'ip' ? key.slice(`${purpose}:ip:`.length) : undefined,
      until: now + duration,
    });
    return duration;
  }
}
