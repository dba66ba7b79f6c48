import { Inject } from '@nestjs/common';
import { SLOW_DOWN_INCREMENT } from '../constants.js';
import type {
  AccessTokenRecord,
  ClientRecord,
  AttemptCount,
  GrantRecord,
  NewGrant,
  Poll,
  PolledGrant,
  PurgeReport,
  RefreshTokenRecord,
  SignInRecord,
  SigningKeyRecord,
} from './records.js';

/**
 * A grant's polling interval (seconds) after one `slow_down`: `SLOW_DOWN_INCREMENT` more, up to
 * `maxInterval`, and never less than it was (were the maximum lowered since it grew). The SQL of the
 * TypeORM store writes the same rule for a batch.
 * @see RFC 8628 §3.5
 */
export function grownInterval(interval: number, maxInterval: number): number {
  return Math.max(interval, Math.min(interval + SLOW_DOWN_INCREMENT, maxInterval));
}

/** Injection token of the module's {@link DeviceGrantStore}. */
export const DEVICE_GRANT_STORE = Symbol('DEVICE_GRANT_STORE');

/** Injects the module's {@link DeviceGrantStore}. */
export const InjectDeviceGrantStore = (): ParameterDecorator => Inject(DEVICE_GRANT_STORE);

/**
 * What a write must survive. `durable`: a power loss, because something was promised on it (an
 * approval, a denial, a redemption, a rotation, a revocation, a new grant the device was told about).
 * `cheap`: a crash may forget the last moments of it and nothing is lost but pacing (poll stamps, a
 * grown interval the device keeps anyway, failure counters' bookkeeping).
 */
export type Durability = 'durable' | 'cheap';

/**
 * Every write of the contract and what it must survive: the one place durability is decided. An
 * implementation reads this (e.g. PostgreSQL's `synchronous_commit = off` only for `cheap` writes).
 */
export const WRITE_DURABILITY = {
  'grants.issue': 'durable',
  'grants.stampOnTimePoll': 'cheap',
  'grants.slowDown': 'cheap',
  'grants.decide': 'durable',
  'grants.redeem': 'durable',
  'grants.unredeem': 'durable',
  'grants.disconnect': 'durable',
  'clients.insert': 'durable',
  'clients.save': 'durable',
  'clients.update': 'durable',
  'clients.disable': 'durable',
  'clients.delete': 'durable',
  'refreshTokens.insert': 'durable',
  'refreshTokens.insertSuccessor': 'durable',
  'refreshTokens.use': 'durable',
  'refreshTokens.release': 'durable',
  'refreshTokens.revokeFamily': 'durable',
  'refreshTokens.revokeGrant': 'durable',
  'accessTokens.insert': 'durable',
  'accessTokens.revoke': 'durable',
  'rateLimits.attempt': 'durable',
  'rateLimits.refund': 'durable',
  'rateLimits.count': 'cheap',
  'rateLimits.lock': 'durable',
  'keys.insert': 'durable',
  'keys.rotate': 'durable',
  'keys.delete': 'durable',
  'keys.replacePrivate': 'durable',
  'keys.revoke': 'durable',
  'secrets.replace': 'durable',
  'signIns.create': 'durable',
  'signIns.end': 'durable',
  'signIns.endAll': 'durable',
  'secrets.insertIfAbsent': 'durable',
  'maintenance.purge': 'cheap',
} as const satisfies Record<string, Durability>;

/** A write named in {@link WRITE_DURABILITY}. */
export type StoreWrite = keyof typeof WRITE_DURABILITY;

/** A grant the person approved and that is still connected, as the devices page lists it. */
export interface ConnectedGrant {
  grant: GrantRecord;
  /** The client's display name (its id when the client is gone). */
  clientName: string;
  /** When the device last received tokens (redemption, refresh or access token), ms; null before it picked them up. */
  lastUsedAt: number | null;
}

/**
 * The device grants: issue, poll, decide, redeem exactly once, disconnect.
 * @see RFC 8628 §3.2–3.5
 */
export interface GrantStore {
  /**
   * Inserts a new pending grant. False when its user code (or id, or device-code key) is taken by
   * another grant: the caller draws a new user code. Every instance sees the same answer (a unique index).
   * Durable: the device is told about it.
   */
  issue(grant: NewGrant): Promise<boolean>;

  /**
   * An on-time poll: stamps `lastPolledAt` when the grant is this client's, pending, not disconnected,
   * not expired, and last polled at least its interval ago (the first poll is always on time). True
   * when stamped: the answer is `authorization_pending`. False for any other poll, which the caller
   * answers by reading the grant. Of two polls of one grant at once, at most one is stamped. Cheap.
   */
  stampOnTimePoll(poll: Poll): Promise<boolean>;

  /**
   * A too-early poll of a pending, live grant of this client: its interval grows by
   * `SLOW_DOWN_INCREMENT` seconds for good, up to `maxInterval`, and this poll becomes the one the next
   * is measured from. Resolves to the grant's interval after it; undefined when the grant is not (or no
   * longer) such a grant. n such polls grow it by n increments (up to the maximum), whether they arrive
   * together or one after another. Cheap.
   * @see RFC 8628 §3.5
   */
  slowDown(poll: Poll, maxInterval: number): Promise<number | undefined>;

  /** The grant with this device-code key, whatever its state, or null. */
  findByDeviceCode(deviceCodeHash: string): Promise<PolledGrant | null>;

  /** The grant that is pending and unexpired at `now` with this normalised user code, or null. */
  findPendingByUserCode(userCode: string, now: number): Promise<GrantRecord | null>;

  /**
   * Decides once: the grant with this normalised user code, if pending and unexpired at `now`, becomes
   * approved for `subject` or denied. Of two decisions at once, exactly one wins. The decided grant, or
   * null when there was none to decide. Durable.
   */
  decide(userCode: string, decision: { status: 'approved'; subject: string } | { status: 'denied' }, now: number): Promise<GrantRecord | null>;

  /**
   * Redeems exactly once: flips an approved, connected grant to redeemed. True for exactly one caller
   * however many poll at once, on every instance. Durable: the tokens handed out depend on it.
   */
  redeem(grantId: string, now: number): Promise<boolean>;

  /** Undoes {@link redeem} when nothing could be handed out, so the device's next poll can redeem. Durable. */
  unredeem(grantId: string): Promise<void>;

  /** Whether the grant was disconnected (or is gone). */
  isDisconnected(grantId: string): Promise<boolean>;

  /**
   * Disconnects one of the subject's approved or redeemed grants: marks it, and revokes its refresh
   * tokens and access tokens. The grant as it was, or null when the subject has no such connected grant.
   * Durable. @see RFC 7009 §2.1
   */
  disconnect(subject: string, grantId: string, now: number): Promise<GrantRecord | null>;

  /**
   * The subject's connected devices: approved and not yet picked up (while the code is valid), or
   * redeemed with a refresh token or an access token still alive at `now`. In no particular order.
   */
  listConnected(subject: string, now: number): Promise<ConnectedGrant[]>;
}

/** What deleting a client took down with it. */
export interface DeletedClientCounts {
  pendingGrants: number;
  revokedGrants: number;
  refreshTokens: number;
  accessTokens: number;
}

/** Registered clients. @see RFC 6749 §2 */
export interface ClientStore {
  find(clientId: string): Promise<ClientRecord | null>;
  /** Every client, oldest first. */
  list(): Promise<ClientRecord[]>;
  /** Adds a client; false when its id is taken (on any instance). Durable. */
  insert(client: ClientRecord): Promise<boolean>;
  /** Inserts the client, or replaces the one with its id. Durable. */
  save(client: ClientRecord): Promise<void>;
  /** Changes some of a client's fields. Durable. */
  update(clientId: string, changes: Partial<Omit<ClientRecord, 'clientId' | 'createdAt'>>): Promise<void>;
  /** Disables the client and revokes its live access tokens (its refresh tokens are kept for `enable`). Durable. */
  disable(clientId: string, now: number): Promise<void>;
  /**
   * Deletes the client and takes down everything of it, so nothing comes back if the id is registered
   * again: pending grants are removed, the others marked revoked, every refresh and access token revoked.
   * Durable.
   */
  delete(clientId: string, now: number): Promise<DeletedClientCounts>;
}

/** What {@link RefreshTokenStore.use} found. */
export type RefreshTokenUse =
  /** The token was live and is now used: the caller issues its successor in the same family. */
  | { outcome: 'rotated'; token: RefreshTokenRecord }
  /**
   * The token was used moments ago (within the retry grace) by this client, and the successor that
   * rotation issued is still unused: a retry of a rotation whose answer was lost, not a theft. That
   * successor and the access tokens issued with it are now superseded (revoked); the caller issues a
   * new successor of this token.
   */
  | { outcome: 'retried'; token: RefreshTokenRecord }
  /** The token was already used: a replay. Its whole family, access tokens included, is now revoked. */
  | { outcome: 'reused'; token: RefreshTokenRecord }
  /** Refused, nothing changed. */
  | { outcome: 'unknown' | 'other_client' | 'revoked' | 'expired'; token?: RefreshTokenRecord };

/**
 * Refresh tokens in rotation families: every use rotates, a second use of a used token revokes the
 * family. Room for issue 19's grace period: a retried rotation is decided in {@link use} too.
 * @see RFC 9700 §4.14.2, RFC 6749 §6
 */
export interface RefreshTokenStore {
  /** Stores the first token of a new family before it is handed out. Durable. */
  insert(token: RefreshTokenRecord): Promise<void>;

  /**
   * Stores the token that succeeds `predecessorId` in its family, before it is handed out, unless a
   * revocation (RFC 7009, a disconnect, a replay) has reached the predecessor since it was used: that
   * revocation wins. False then, and the whole family, access tokens included, is revoked, so nothing
   * issued with this rotation stays usable. Durable.
   */
  insertSuccessor(token: RefreshTokenRecord, predecessorId: string): Promise<boolean>;

  /**
   * Uses the token with this hash for `clientId` at `now`: of two concurrent uses exactly one rotates
   * and the other is a replay (the family goes). A used token presented again by the same client
   * less than `retryGraceMs` after its use, while its successor is unused, is a retry (`retried`: the
   * successor is superseded); presented after that, or once the successor was used, or when it is
   * itself a superseded token, it is a replay. Refusals are told apart for the caller's description
   * only: each is `invalid_grant`. Durable.
   * @see RFC 9700 §4.14.2
   */
  use(tokenHash: string, clientId: string, now: number, retryGraceMs?: number): Promise<RefreshTokenUse>;

  /** Puts back a token taken by {@link use} when its successor could not be issued. Durable. */
  release(id: string): Promise<void>;

  /** The token with this hash, whatever its state, or null. */
  find(tokenHash: string): Promise<RefreshTokenRecord | null>;

  /** Revokes every token of the family and every access token issued with them. Durable. @see RFC 7009 §2.1 */
  revokeFamily(familyId: string, now: number): Promise<void>;

  /** Revokes every refresh token and access token of a grant. Durable. */
  revokeGrant(grantId: string, now: number): Promise<void>;
}

/** The records of issued access tokens (the tokens are JWTs; the record is what revocation marks). */
export interface AccessTokenStore {
  /** Records a token before it is handed out, so a revocation can always find it. Durable. */
  insert(token: AccessTokenRecord): Promise<void>;
  find(jti: string): Promise<AccessTokenRecord | null>;
  /** Marks one token revoked. Durable. */
  revoke(jti: string, now: number): Promise<void>;
}

/**
 * Guess budgets with a growing lockout, keyed by what is limited (`<purpose>:<scope>:<value>`), shared
 * by every instance. An attempt is counted before it is evaluated, in one statement, so parallel
 * attempts cannot all pass a check made before any of them was counted.
 * @see RFC 8628 §5.1, RFC 6749 §10.10
 */
export interface RateLimitStore {
  /**
   * Takes one attempt from the key's budget, atomically across instances, and says where the key
   * stands after it: a window older than `windowStart` starts over at this attempt; while the key is
   * locked the attempt is not counted. Durable.
   */
  attempt(key: string, now: number, windowStart: number): Promise<AttemptCount>;
  /** Gives back an attempt that was not a failure (a right code, or one never evaluated). Durable. */
  refund(key: string): Promise<void>;
  /**
   * Locks the key until `until` when it has at least `budget` attempts in its window, and starts its
   * count over; true for exactly one of several callers (on any instance) that saw the budget spent. Durable.
   */
  lock(key: string, now: number, until: number, budget: number): Promise<boolean>;
  /**
   * Counts one request against a request rate, as `attempt` does (a key counted this way is never
   * locked). Cheap: a crash may forget the last counts, which gives a few requests more.
   */
  count(key: string, now: number, windowStart: number): Promise<AttemptCount>;
}

/** Access-token signing keys, shared by every instance. @see RFC 9068 §4 */
export interface SigningKeyStore {
  /** Every key, newest first. */
  list(): Promise<SigningKeyRecord[]>;
  insert(key: SigningKeyRecord): Promise<void>;
  /** Marks every current key rotated at `now`. Durable. */
  rotate(now: number): Promise<void>;
  /** Deletes these keys if rotated (a current key is never deleted). Durable. */
  delete(kids: readonly string[]): Promise<void>;
  /** Revokes a key (and stops it signing); false when there is no such key or it was revoked already. Durable. */
  revoke(kid: string, now: number): Promise<boolean>;
  /** Replaces a key's stored private JWK (sealed again) if it still is `expected`; whether it did. Durable. */
  replacePrivate(kid: string, expected: string, value: string): Promise<boolean>;
}

/** Named server-side secrets shared by every instance (e.g. the session-cookie key). */
export interface ServerSecretStore {
  get(name: string): Promise<string | null>;
  /** Stores the value unless the name is taken; the value that is stored afterwards. Durable. */
  insertIfAbsent(name: string, value: string, now: number): Promise<string>;
  /** Every secret (for sealing them again). */
  list(): Promise<{ name: string; value: string }[]>;
  /** Replaces a secret's value if it still is `expected`; whether it did. Durable. */
  replace(name: string, expected: string, value: string): Promise<boolean>;
}

/**
 * Sign-ins on the activation pages, shared by every instance: a sign-out recorded here ends the
 * session on all of them at once, whatever copies of its cookie exist.
 */
export interface SignInStore {
  create(record: SignInRecord): Promise<void>;
  /** Whether the sign-in exists, has not ended and has not expired at `now`. */
  isLive(id: string, now: number): Promise<boolean>;
  /** Ends one sign-in. Durable. */
  end(id: string, now: number): Promise<void>;
  /** Ends every live sign-in of a subject ("sign out everywhere"); how many. Durable. */
  endAll(subject: string, now: number): Promise<number>;
}

/** What keeps the store healthy. */
export interface StoreMaintenance {
  /**
   * Where the data lives: `shared` when several instances may use it (so they must share one
   * key-encryption key), and the database file, if it is one (its key-encryption key may live beside it).
   */
  location(): StoreLocation;
  /** Whether the database answers a trivial query within `timeoutMs`. */
  ping(timeoutMs: number): Promise<boolean>;
  /**
   * Deletes, in batches of at most `batchSize` rows, what no longer matters: grants expired before
   * `cutoff` (a redeemed one only once its device holds no live token at `now`), refresh and access
   * tokens expired before `cutoff`, counters untouched since `cutoff` and not locked at `now`, and
   * sign-ins that expired (or ended) before `cutoff`.
   */
  purge(input: { now: number; cutoff: number; batchSize: number }): Promise<PurgeReport>;
}

/** See {@link StoreMaintenance.location}. */
export interface StoreLocation {
  shared: boolean;
  file?: string;
}

/**
 * The store contract: every rule of the kit's data, stated once. The protocol code (token endpoint,
 * activation, revocation, …) holds no SQL and no rule of how records change together; it asks the
 * store. `TypeOrmDeviceGrantStore` is the implementation that ships (SQLite or PostgreSQL, shared by
 * every instance); `MemoryDeviceGrantStore` serves unit specs.
 *
 * Rules that span records live here, not in callers: a disconnect revokes the grant's tokens
 * ({@link GrantStore.disconnect}); a replayed refresh token takes its family and the family's access
 * tokens down ({@link RefreshTokenStore.use}); a redemption wins once ({@link GrantStore.redeem}).
 * What later issues add goes into this contract as a section of its own: server-side browser sessions
 * (sign-out everywhere), encrypted key material, and the refresh grace period in `refreshTokens.use`.
 */
export interface DeviceGrantStore {
  readonly grants: GrantStore;
  readonly clients: ClientStore;
  readonly refreshTokens: RefreshTokenStore;
  readonly accessTokens: AccessTokenStore;
  readonly rateLimits: RateLimitStore;
  readonly signingKeys: SigningKeyStore;
  readonly secrets: ServerSecretStore;
  readonly signIns: SignInStore;
  readonly maintenance: StoreMaintenance;
}
