import { Injectable } from '@nestjs/common';
import { InjectClock, type Clock } from '../clock.js';
import { DeviceGrantEvent } from '../events/device-grant-events.js';
import { DeviceGrantEvents } from '../events/device-grant-events.service.js';
import type { ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { InjectDeviceGrantOptions } from '../device-grant.module-definition.js';
import { InjectDeviceGrantStore, type DeviceGrantStore } from '../persistence/device-grant-store.js';

const MAX_LOCKOUT_MS = 24 * 3600 * 1000;

/**
 * Failure counters with a growing lockout, in the database (so they hold across restarts and
 * instances): after `maxFailures` failures inside `failureWindow`, a key is locked for `lockout`
 * seconds, doubling with every further lockout, up to a day.
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

  /** Milliseconds until the longest lockout among these keys ends; 0 when none is locked. */
  async lockedFor(keys: string[]): Promise<number> {
    return Math.max(0, (await this.store.rateLimits.lockedUntil(keys)) - this.clock.now());
  }

  /** Counts one failure against each key; locks a key that reached the limit. */
  async fail(keys: string[], maxFailures = this.maxFailures): Promise<void> {
    const now = this.clock.now();
    for (const key of keys) {
      const count = await this.store.rateLimits.countFailure(key, now, now - this.windowMs);
      if (count.failures >= maxFailures) {
        const duration = Math.min(this.lockoutMs * 2 ** Math.min(count.lockouts, 20), MAX_LOCKOUT_MS);
        if (!(await this.store.rateLimits.lock(key, now, now + duration, maxFailures))) continue;
        const [purpose, scope] = key.split(':');
        // Session keys are hashes of the session id: not worth exposing, so only IP lockouts name theirs.
        this.events.emit(DeviceGrantEvent.Lockout, {
          scope: `${purpose}:${scope}`,
          ip: scope === 'ip' ? key.slice(`${purpose}:ip:`.length) : undefined,
          until: now + duration,
        });
      }
    }
  }
}
