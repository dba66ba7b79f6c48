/**
 * A guess budget: at most `max` failures in `window` seconds. The failure that spends it locks the
 * key for `lockout` seconds; each further lockout doubles that, up to `maxLockout`.
 * @see RFC 8628 §5.1, RFC 6749 §10.10
 */
export interface GuessBudget {
  max: number;
  window: number;
  lockout: number;
  maxLockout: number;
}

/** A request rate: at most `max` requests in `window` seconds; the rest answered 429 until the window ends. */
export interface RequestRate {
  max: number;
  window: number;
}

/** How many scrypt checks of presented client secrets run at once, and how many may wait. */
export interface SecretCheckLimits {
  concurrent: number;
  queue: number;
}

/**
 * Every limit of the module. Budgets for guesses of user codes and passwords, rates for device
 * authorization requests, and a bound on the CPU that unauthenticated requests can spend on scrypt.
 * Each guess is counted in the database before it is evaluated, so the budgets hold under parallel
 * requests and across instances. The README's Security section states what the defaults give.
 */
export interface LimitsOptions {
  /** Wrong user codes per browser session. Default 5 per 60 s; lockout 60 s, doubling up to a day. */
  codesPerSession?: Partial<GuessBudget>;
  /**
   * Wrong user codes per client address over all its sessions (sessions cost nothing to create, so
   * this is the real bound). Default 10 per 3600 s; lockout 300 s, doubling up to a day.
   */
  codesPerAddress?: Partial<GuessBudget>;
  /** Wrong passwords per (account, address). Default 10 per 900 s; lockout 60 s, doubling up to a day. */
  signInPerAccountAndAddress?: Partial<GuessBudget>;
  /** Wrong passwords per address over all accounts (password spraying). Default 30 per 900 s; lockout 60 s, doubling up to a day. */
  signInPerAddress?: Partial<GuessBudget>;
  /**
   * Wrong passwords per account from every address: a growing delay, not a lock, so nobody can lock
   * a victim out for long. Default 20 per 900 s; a pause of 30 s, doubling up to 900 s.
   */
  signInPerAccount?: Partial<GuessBudget>;
  /** Device authorization requests per client address. Default 30 per 60 s; `false`: unlimited. */
  deviceAuthorizationsPerAddress?: RequestRate | false;
  /** Device authorization requests per client. Default 600 per 60 s; `false`: unlimited. */
  deviceAuthorizationsPerClient?: RequestRate | false;
  /** scrypt checks of presented client secrets. Default 4 at once (libuv's thread pool), 64 waiting (at most about 0.6 s of work queued); beyond: 503 `temporarily_unavailable`. */
  secretChecks?: Partial<SecretCheckLimits>;
  /** IPv6 addresses are limited by this prefix (one household or host usually holds a /64). Default 64. */
  ipv6Prefix?: number;
}

const DAY = 86400;

type BudgetName = 'codesPerSession' | 'codesPerAddress' | 'signInPerAccountAndAddress' | 'signInPerAddress' | 'signInPerAccount';

export interface ResolvedLimits {
  codesPerSession: GuessBudget;
  codesPerAddress: GuessBudget;
  signInPerAccountAndAddress: GuessBudget;
  signInPerAddress: GuessBudget;
  signInPerAccount: GuessBudget;
  deviceAuthorizationsPerAddress: RequestRate | false;
  deviceAuthorizationsPerClient: RequestRate | false;
  secretChecks: SecretCheckLimits;
  ipv6Prefix: number;
}

export const DEFAULT_LIMITS: ResolvedLimits = {
  codesPerSession: { max: 5, window: 60, lockout: 60, maxLockout: DAY },
  codesPerAddress: { max: 10, window: 3600, lockout: 300, maxLockout: DAY },
  signInPerAccountAndAddress: { max: 10, window: 900, lockout: 60, maxLockout: DAY },
  signInPerAddress: { max: 30, window: 900, lockout: 60, maxLockout: DAY },
  signInPerAccount: { max: 20, window: 900, lockout: 30, maxLockout: 900 },
  deviceAuthorizationsPerAddress: { max: 30, window: 60 },
  deviceAuthorizationsPerClient: { max: 600, window: 60 },
  secretChecks: { concurrent: 4, queue: 64 },
  ipv6Prefix: 64,
};

/** The limits with their defaults applied, each value checked. */
export function resolveLimits(options: LimitsOptions = {}): ResolvedLimits {
  const budget = (name: BudgetName, given: Partial<GuessBudget> | undefined): GuessBudget => {
    const resolved = { ...DEFAULT_LIMITS[name], ...definedOnly(given) };
    for (const key of ['max', 'window', 'lockout', 'maxLockout'] as const) positive(`limits.${name}.${key}`, resolved[key]);
    if (resolved.maxLockout < resolved.lockout) throw new Error(`DeviceGrantModule: limits.${name}.maxLockout must be at least its lockout`);
    return resolved;
  };
  const rate = (name: 'deviceAuthorizationsPerAddress' | 'deviceAuthorizationsPerClient', given: RequestRate | false | undefined): RequestRate | false => {
    if (given === false) return false;
    const resolved = { ...(DEFAULT_LIMITS[name] as RequestRate), ...definedOnly(given) };
    positive(`limits.${name}.max`, resolved.max);
    positive(`limits.${name}.window`, resolved.window);
    return resolved;
  };
  const secretChecks = { ...DEFAULT_LIMITS.secretChecks, ...definedOnly(options.secretChecks) };
  positive('limits.secretChecks.concurrent', secretChecks.concurrent);
  if (!Number.isInteger(secretChecks.queue) || secretChecks.queue < 0) throw new Error('DeviceGrantModule: limits.secretChecks.queue must be 0 or a positive integer');
  const ipv6Prefix = options.ipv6Prefix ?? DEFAULT_LIMITS.ipv6Prefix;
  if (!Number.isInteger(ipv6Prefix) || ipv6Prefix < 1 || ipv6Prefix > 128) throw new Error('DeviceGrantModule: limits.ipv6Prefix must be an integer from 1 to 128');
  return {
    codesPerSession: budget('codesPerSession', options.codesPerSession),
    codesPerAddress: budget('codesPerAddress', options.codesPerAddress),
    signInPerAccountAndAddress: budget('signInPerAccountAndAddress', options.signInPerAccountAndAddress),
    signInPerAddress: budget('signInPerAddress', options.signInPerAddress),
    signInPerAccount: budget('signInPerAccount', options.signInPerAccount),
    deviceAuthorizationsPerAddress: rate('deviceAuthorizationsPerAddress', options.deviceAuthorizationsPerAddress),
    deviceAuthorizationsPerClient: rate('deviceAuthorizationsPerClient', options.deviceAuthorizationsPerClient),
    secretChecks,
    ipv6Prefix,
  };
}

function positive(name: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`DeviceGrantModule: ${name} must be a positive integer, got ${value}`);
}

/** The keys set to a value: `{ max: undefined }` keeps the default, as leaving `max` out does. */
function definedOnly<T extends object>(values: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(values ?? {}).filter(([, value]) => value !== undefined)) as Partial<T>;
}
