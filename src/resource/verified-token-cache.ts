import type { Clock } from '../clock.js';
import type { DeviceGrantPrincipal } from './device-grant-principal.js';

/** What a verification established about a token, and what it stays true under. */
interface Verified {
  principal: DeviceGrantPrincipal;
  /** The token's `nbf`, seconds, if it has one. */
  nbf?: number;
  /** The version of the issuer's key set the signature was checked with. */
  keySet: number;
}

/**
 * Tokens whose signature and claims were verified, so that the same token presented again is not
 * verified again. A remembered token counts only while a verification would still accept it:
 * - its `exp` (and `nbf`) are checked on every use, against the same clock and leeway as `jwtVerify`
 *   (accepted while `exp > now - leeway`, whole seconds, as jose counts);
 * - only while the key set it was checked with is still the one in use (same fetch, within
 *   `jwksCacheMaxAge`): a key withdrawn by the authorization server stops counting when it would
 *   have without this cache.
 * Revocation is not remembered here: the verifier asks `RevocationCheckService` on every request,
 * cached or not.
 *
 * At most `maxEntries` tokens are kept; the oldest one stored goes first. The key is the token
 * itself: only tokens whose signature verified are stored, so their size is what the issuer makes
 * (a few hundred bytes), never what a caller sends.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Verified>();

  constructor(
    private readonly maxEntries: number,
    private readonly clock: Clock,
    /** Seconds of leeway for `exp` and `nbf`, as the verifier's `clockTolerance`. */
    private readonly leeway: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The principal of a remembered token still valid now under key set `keySet`; undefined otherwise. */
  get(token: string, keySet: number | undefined): DeviceGrantPrincipal | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    const now = Math.floor(this.clock.now() / 1000);
    if (entry.principal.exp <= now - this.leeway || entry.keySet !== keySet) {
      this.entries.delete(token);
      return undefined;
    }
    // Not yet valid (a clock moved back): verify in full, which refuses it; keep the entry for later.
    if (entry.nbf !== undefined && entry.nbf > now + this.leeway) return undefined;
    return { ...entry.principal };
  }

  /** Remembers a token just verified with key set `keySet` (nothing when no key set version is known). */
  set(token: string, principal: DeviceGrantPrincipal, nbf: number | undefined, keySet: number | undefined): void {
    if (this.maxEntries <= 0 || keySet === undefined) return;
    this.entries.delete(token);
    while (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { principal: { ...principal }, nbf, keySet });
  }
}
