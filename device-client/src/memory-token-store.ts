import type { TokenStore } from './token-store.js';
import type { StoredState } from './types.js';

/**
 * A {@link TokenStore} in memory, for tests and short-lived processes: nothing survives a restart.
 * It hands out copies, so callers cannot change what is stored by accident.
 *
 * @see RFC 6749 §10.4
 */
export class MemoryTokenStore implements TokenStore {
  #state: StoredState | undefined;

  constructor(initial?: StoredState) {
    this.#state = initial && structuredClone(initial);
  }

  async load(): Promise<StoredState | undefined> {
    return this.#state && structuredClone(this.#state);
  }

  async save(state: StoredState): Promise<void> {
    this.#state = structuredClone(state);
  }

  async clear(): Promise<void> {
    this.#state = undefined;
  }
}
