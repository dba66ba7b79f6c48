import { Injectable } from '@nestjs/common';
import { InjectClock, type Clock } from '../clock.js';
import { DeviceGrantEvent } from '../events/device-grant-events.js';
import { DeviceGrantEvents } from '../events/device-grant-events.service.js';
import { sha256 } from '../crypto/secrets.js';
import type { ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { InjectDeviceGrantOptions } from '../device-grant.module-definition.js';
import { InjectDeviceGrantStore, type DeviceGrantStore } from '../persistence/device-grant-store.js';
import { addressKey } from './address-key.js';
import type { GuessBudget, RequestRate, ResolvedLimits } from './limits.options.js';

/** A key (`<purpose>:<scope>:<value>`) and the budget it is counted against. */
export interface Limited {
  readonly key: string;
  readonly budget: GuessBudget;
}

/** An attempt taken from one or more budgets: whether it may be evaluated, and what it counted. */
export interface Attempt {
  /** The keys it was counted against, each with its budget. */
  readonly limits: readonly Limited[];
  /** 0 when the attempt may be evaluated; otherwise how long (ms) until it may be tried again. */
  readonly waitMs: number;
  /** Each key's lockouts so far (the next lockout doubles). */
  readonly lockouts: ReadonlyMap<string, number>;
}

/**
 * Guess budgets with a growing lockout, and request rates, in the database (so they hold across
 * restarts and instances). Every attempt is counted before it is evaluated, in one statement per key
 * (see `RateLimitStore.attempt`), so N parallel attempts have at most the budget evaluated; a right
 * answer gives its attempt back, so only failures spend the budget. When a key's failures reach its
 * budget inside its window, the key is locked for the budget's lockout, doubling with every further
 * lockout up to its maximum; the lockout is started, and its event emitted, by exactly one request.
 * @see RFC 8628 §5.1, RFC 6749 §10.10
 */
@Injectable()
export class RateLimitService {
  private readonly limits: ResolvedLimits;

  constructor(
    @InjectDeviceGrantStore() private readonly store: DeviceGrantStore,
    @InjectDeviceGrantOptions() options: ResolvedDeviceGrantOptions,
    @InjectClock() private readonly clock: Clock,
    private readonly events: DeviceGrantEvents,
  ) {
    this.limits = options.limits;
  }

  /** The budgets a typed user code is counted against: the browser session's, then the address's. */
  codeEntry(ip: string | undefined, sessionKey: string): Limited[] {
    return [
      { key: `code:session:${sessionKey}`, budget: this.limits.codesPerSession },
      { key: `code:ip:${this.address(ip)}`, budget: this.limits.codesPerAddress },
    ];
  }

  /**
   * The budgets a password is counted against: the (account, address) pair's, the address's over all
   * accounts, and the account's from everywhere (a short, growing pause rather than a lock). Accounts
   * are keyed by a hash of the name as typed, case-folded, so neither the table nor an event holds it.
   */
  signIn(ip: string | undefined, account: string): Limited[] {
    const address = this.address(ip);
    const name = account.normalize('NFKC').toLowerCase();
    return [
      { key: `signin:account-ip:${sha256(`${name}\n${address}`)}`, budget: this.limits.signInPerAccountAndAddress },
      { key: `signin:ip:${address}`, budget: this.limits.signInPerAddress },
      { key: `signin:account:${sha256(name)}`, budget: this.limits.signInPerAccount },
    ];
  }

  /** Counts a device authorization request from an address: 0, or ms until the address may ask again. */
  deviceAuthorizationFrom(ip: string | undefined): Promise<number> {
    const rate = this.limits.deviceAuthorizationsPerAddress;
    return rate ? this.request(`authz:ip:${this.address(ip)}`, rate) : Promise.resolve(0);
  }

  /** Counts a device authorization request of an authenticated client: 0, or ms until it may ask again. */
  deviceAuthorizationFor(clientId: string): Promise<number> {
    const rate = this.limits.deviceAuthorizationsPerClient;
    return rate ? this.request(`authz:client:${sha256(clientId)}`, rate) : Promise.resolve(0);
  }

  private address(ip: string | undefined): string {
    return addressKey(ip, this.limits.ipv6Prefix);
  }

  /**
   * Takes an attempt from each key's budget before the guess is evaluated, narrowest first (the order
   * given). `waitMs` 0: evaluate it, then report `failed` or `succeeded`. Otherwise a key is locked (or
   * this attempt was over its budget, which locks it): do not evaluate; the keys counted before it get
   * the attempt back, and the keys after it are not counted at all, so a burst refused by a session's
   * budget does not also spend (and lock) the address's.
   */
  async attempt(limits: readonly Limited[]): Promise<Attempt> {
    const now = this.clock.now();
    const lockouts = new Map<string, number>();
    const counted: string[] = [];
    for (const limited of limits) {
      const count = await this.store.rateLimits.attempt(limited.key, now, now - limited.budget.window * 1000);
      lockouts.set(limited.key, count.lockouts);
      let waitMs = 0;
      if (count.lockedUntil > now) waitMs = count.lockedUntil - now;
      else if (count.attempts > limited.budget.max) waitMs = (await this.lock(limited, now, count.lockouts)) ?? limited.budget.lockout * 1000;
      if (waitMs > 0) {
        await Promise.all(counted.map((key) => this.store.rateLimits.refund(key)));
        return { limits, waitMs, lockouts };
      }
      counted.push(limited.key);
    }
    return { limits, waitMs: 0, lockouts };
  }

  /** The guess was wrong: the attempt stays counted, and a key that has now spent its budget is locked. */
  async failed(attempt: Attempt): Promise<void> {
    const now = this.clock.now();
    for (const limited of attempt.limits) await this.lock(limited, now, attempt.lockouts.get(limited.key) ?? 0);
  }

  /** The guess was right: its attempt is given back, so only failures spend the budget. */
  async succeeded(attempt: Attempt): Promise<void> {
    await Promise.all(attempt.limits.map(({ key }) => this.store.rateLimits.refund(key)));
  }

  /**
   * Counts one request against a rate: 0 when it is within, otherwise how long (ms) until the window
   * ends. Requests over the rate are counted too (they change nothing: the window is fixed).
   */
  async request(key: string, rate: RequestRate): Promise<number> {
    const now = this.clock.now();
    const windowMs = rate.window * 1000;
    const count = await this.store.rateLimits.count(key, now, now - windowMs);
    return count.attempts <= rate.max ? 0 : Math.max(count.windowStart + windowMs - now, 1);
  }

  /** Locks the key if its budget is spent and no other request locked it first; the lock's length, or undefined. */
  private async lock({ key, budget }: Limited, now: number, lockouts: number): Promise<number | undefined> {
    const duration = Math.min(budget.lockout * 1000 * 2 ** Math.min(lockouts, 30), budget.maxLockout * 1000);
    if (!(await this.store.rateLimits.lock(key, now, now + duration, budget.max))) return undefined;
    const [purpose, scope] = key.split(':');
    // Session and account keys are hashes: not worth exposing, so only address lockouts name theirs.
    this.events.emit(DeviceGrantEvent.Lockout, {
      scope: `${purpose}:${scope}`,
      ip: scope === 'ip' ? key.slice(`${purpose}:ip:`.length) : undefined,
      until: now + duration,
    });
    return duration;
  }
}
