import type { RateLimitStore } from '../device-grant-store.js';
import type { FailureCount } from '../records.js';
import type { MemoryData } from './memory-data.js';

export class MemoryRateLimits implements RateLimitStore {
  constructor(private readonly data: MemoryData) {}

  async lockedUntil(keys: readonly string[]): Promise<number> {
    return Math.max(0, ...keys.map((key) => this.data.rateLimits.get(key)?.lockedUntil ?? 0));
  }

  async countFailure(key: string, now: number, windowStart: number): Promise<FailureCount> {
    const counter = this.data.rateLimits.get(key);
    if (!counter) {
      this.data.rateLimits.set(key, { windowStart: now, failures: 1, lockedUntil: 0, lockouts: 0, updatedAt: now });
      return { failures: 1, lockouts: 0 };
    }
    if (counter.windowStart <= windowStart) {
      counter.failures = 1;
      counter.windowStart = now;
    } else {
      counter.failures++;
    }
    counter.updatedAt = now;
    return { failures: counter.failures, lockouts: counter.lockouts };
  }

  async lock(key: string, now: number, until: number, maxFailures: number): Promise<boolean> {
    const counter = this.data.rateLimits.get(key);
    if (!counter || counter.failures < maxFailures) return false;
    Object.assign(counter, { lockedUntil: until, lockouts: counter.lockouts + 1, failures: 0, windowStart: now, updatedAt: now });
    return true;
  }
}
