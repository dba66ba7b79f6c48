import type { StoredState } from './types.js';

/**
 * Releases a lock taken with {@link TokenStore.lock}.
 *
 * @see RFC 6749 §6
 */
export type ReleaseLock = () => Promise<void>;

/**
 * Where the device keeps its tokens and its pending authorization. `save` must replace the whole
 * state atomically: after a crash, `load` returns either the old or the new state, never a mix.
 * Implementations shared between processes provide `lock`, which the client holds around a
 * refresh so that only one process refreshes at a time.
 *
 * @see RFC 6749 §10.4 (keep refresh tokens confidential)
 * @see RFC 8628 §3.5 (a pending authorization keeps being polled)
 */
export interface TokenStore {
  /** The stored state, or `undefined` when nothing is stored. */
  load(): Promise<StoredState | undefined>;
  /** Replaces the stored state. */
  save(state: StoredState): Promise<void>;
  /** Deletes everything stored. */
  clear(): Promise<void>;
  /** Takes an exclusive lock across processes; resolves to its release function. */
  lock?(): Promise<ReleaseLock>;
}
