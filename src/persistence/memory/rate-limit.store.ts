import type { RateLimitStore } from '../device-grant-store.js';
import type { AttemptCount } from '../records.js';
import type { MemoryData } from './memory-data.js';

export class MemoryRateLimits implements RateLimitStore {
  constructor(private readonly data: MemoryData) {}

  async attempt(key: string, now: number, windowStart: number): Promise<AttemptCount> {
    let counter = this.data.rateLimits.get(key);
    if (!counter) {
      counter = { windowStart: now, failures: 1, lockedUntil: 0, lockouts: 0, updatedAt: now };
      this.data.rateLimits.set(key, counter);
    } else {
      if (counter.lockedUntil <= now) {
        if (counter.windowStart <= windowStart) {
          counter.failures = 1;
          counter.windowStart = now;
        } else {
          counter.failures++;
        }
      }
      counter.updatedAt = now;
    }
    return { attempts: counter.failures, lockouts: counter.lockouts, lockedUntil: counter.lockedUntil, windowStart: counter.windowStart };
  }

  count(key: string, now: number, windowStart: number): Promise<AttemptCount> {
    return this.attempt(key, now, windowStart);
  }

  async refund(key: string): Promise<void> {
    const counter = this.data.rateLimits.get(key);
    if (counter && counter.failures > 0) counter.failures--;
  }

  async lock(key: string, now: number, until: number, budget: number): Promise<boolean> {
    const counter = this.data.rateLimits.get(key);
    if (!counter || counter.failures < budget || counter.lockedUntil > now) return false;
    Object.assign(counter, { lockedUntil: until, lockouts: counter.lockouts + 1, failures: 0, windowStart: now, updatedAt: now });
    return true;
  }
}
