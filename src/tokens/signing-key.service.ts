import { Injectable, type OnModuleInit } from '@nestjs/common';
import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { InjectClock, type Clock } from '../clock.js';
import { KeyVault, sealContext } from '../crypto/key-vault.service.js';
import type { ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { InjectDeviceGrantOptions } from '../device-grant.module-definition.js';
import { InjectDeviceGrantStore, type DeviceGrantStore } from '../persistence/device-grant-store.js';
import type { SigningKeyRecord } from '../persistence/records.js';

/** The algorithm of new signing keys. @see RFC 9068 §2.1 */
export const SIGNING_ALG = 'ES256';

/** How long an instance trusts its copy of the key set before reading it again (rotation reaches every instance). */
const KEY_CACHE_MS = 10_000;

/** A stored signing key as `SigningKeyService.list()` shows it (public facts only). */
export interface SigningKeyInfo {
  kid: string;
  alg: string;
  createdAt: number;
  /** When a newer key took over (ms); null for the current key. */
  rotatedAt: number | null;
  /** When it leaves the JWKS (ms): every token it signed has expired by then; null for the current key. */
  publishedUntil: number | null;
  /** When it was revoked (ms), or null. */
  revokedAt: number | null;
  /**
   * `current` signs; `published` only verifies; `expired` is out of the JWKS and may be retired;
   * `revoked` is out of the JWKS since its revocation (retired as it would have expired).
   */
  state: 'current' | 'published' | 'expired' | 'revoked';
}

/** A key that can sign. */
export interface ActiveSigningKey {
  kid: string;
  alg: string;
  /** For `signEs256`. */
  privateKey: KeyObject;
}

/**
 * Signing keys in the database, shared by every instance: generated on first start, the newest
 * unrotated key signs, and every key that may still have valid tokens is published in the JWKS.
 * @see RFC 9068 §4, RFC 8414 §2 (`jwks_uri`)
 */
@Injectable()
export class SigningKeyService implements OnModuleInit {
  private cache?: { loadedAt: number; current: ActiveSigningKey; jwks: { keys: JWK[] } };
  private loading?: Promise<void>;

  constructor(
    @InjectDeviceGrantStore() private readonly store: DeviceGrantStore,
    @InjectDeviceGrantOptions() private readonly options: ResolvedDeviceGrantOptions,
    @InjectClock() private readonly clock: Clock,
    private readonly vault: KeyVault,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.refresh();
  }

  /** The key that signs new tokens. */
  async current(): Promise<ActiveSigningKey> {
    await this.fresh();
    return this.cache!.current;
  }

  /**
   * The public keys, as served at the `jwks_uri`: read from the database on every call, so a key
   * another instance just rotated in is published at once (verifiers cache the JWKS anyway).
   */
  async jwks(): Promise<{ keys: JWK[] }> {
    await this.refresh();
    return this.cache!.jwks;
  }

  /**
   * Revokes a key after a compromise: it leaves the JWKS at once (resource servers refuse its tokens
   * once they fetch the key set again: `jwksCacheMaxAge`), and if it was current a new key takes over
   * (other instances switch within 10 s). Returns the current key's id afterwards.
   */
  async revoke(kid: string): Promise<string> {
    if (!(await this.store.signingKeys.revoke(kid, this.clock.now()))) throw new Error(`no signing key ${kid}, or it is revoked already`);
    await this.refresh();
    return this.cache!.current.kid;
  }

  /** Makes a new key current; the previous one stays published until its tokens have expired. */
  async rotate(): Promise<string> {
    const now = this.clock.now();
    await this.store.signingKeys.rotate(now);
    const kid = await this.generate();
    await this.refresh();
    return kid;
  }

  private async fresh(): Promise<void> {
    if (!this.cache || this.clock.now() - this.cache.loadedAt > KEY_CACHE_MS) await this.refresh();
  }

  /** Reads the key set again; the first instance to start generates the first key. */
  async refresh(): Promise<void> {
    this.loading ??= (async () => {
      try {
        let rows = await this.store.signingKeys.list();
        const signs = (row: SigningKeyRecord) => row.rotatedAt === null && row.revokedAt === null;
        if (!rows.some(signs)) {
          await this.generate();
          rows = await this.store.signingKeys.list();
        }
        const now = this.clock.now();
        const published = rows.filter((row) => row.revokedAt === null && this.publishedUntil(row) > now);
        const currentRow = rows.find(signs)!;
        const privateJwk = await this.vault.open(currentRow.privateJwk, sealContext.signingKey(currentRow.kid));
        const privateKey = createPrivateKey({ key: JSON.parse(privateJwk) as JsonWebKey, format: 'jwk' });
        this.cache = {
          loadedAt: now,
          current: { kid: currentRow.kid, alg: currentRow.alg, privateKey },
          jwks: { keys: published.map((row) => JSON.parse(row.publicJwk) as JWK) },
        };
      } finally {
        this.loading = undefined;
      }
    })();
    await this.loading;
  }

  /** Every stored key, newest first, with how long it stays published. No private material. */
  async list(): Promise<SigningKeyInfo[]> {
    const rows = await this.store.signingKeys.list();
    const now = this.clock.now();
    return rows.map((row) => {
      const until = this.publishedUntil(row);
      const state = row.revokedAt !== null ? 'revoked' : row.rotatedAt === null ? 'current' : until > now ? 'published' : 'expired';
      const publishedUntil = row.revokedAt !== null ? row.revokedAt : row.rotatedAt === null ? null : until;
      return { kid: row.kid, alg: row.alg, createdAt: row.createdAt, rotatedAt: row.rotatedAt, revokedAt: row.revokedAt, publishedUntil, state };
    });
  }

  /**
   * Retires (deletes, private key included) every rotated key whose tokens have all expired; such a
   * key is no longer in the JWKS, so nothing can still need it. Returns the retired kids.
   */
  async retireExpired(): Promise<string[]> {
    const now = this.clock.now();
    const rows = await this.store.signingKeys.list();
    const expired = rows.filter((row) => row.rotatedAt !== null && this.publishedUntil(row) <= now).map((row) => row.kid);
    await this.store.signingKeys.delete(expired);
    return expired;
  }

  /** A rotated key can have signed tokens up to its rotation; it stays published while they may live. */
  private publishedUntil(row: SigningKeyRecord): number {
    return row.rotatedAt === null ? Infinity : row.rotatedAt + (this.maxTokenTtl() + 300) * 1000;
  }

  private maxTokenTtl(): number {
    // Clients may carry their own, longer lifetimes; a day bounds every sane setting.
    return Math.max(this.options.accessTokenTtl, 24 * 3600);
  }

  private async generate(): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    await this.store.signingKeys.insert({
      kid,
      alg: SIGNING_ALG,
      publicJwk: JSON.stringify({ ...publicJwk, kid, alg: SIGNING_ALG, use: 'sig' }),
      privateJwk: await this.vault.seal(JSON.stringify(await exportJWK(privateKey)), sealContext.signingKey(kid)),
      createdAt: this.clock.now(),
      rotatedAt: null,
      revokedAt: null,
    });
    return kid;
  }
}
