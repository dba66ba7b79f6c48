import type { ServerSecretStore, SigningKeyStore } from '../device-grant-store.js';
import type { SigningKeyRecord } from '../records.js';
import { copy, type MemoryData } from './memory-data.js';

export class MemorySigningKeys implements SigningKeyStore {
  constructor(private readonly data: MemoryData) {}

  async list(): Promise<SigningKeyRecord[]> {
    return [...this.data.signingKeys.values()].sort((a, b) => b.createdAt - a.createdAt || b.kid.localeCompare(a.kid)).map(copy);
  }

  async insert(key: SigningKeyRecord): Promise<void> {
    if (this.data.signingKeys.has(key.kid)) throw new Error('a signing key with this kid exists');
    this.data.signingKeys.set(key.kid, copy(key));
  }

  async rotate(now: number): Promise<void> {
    for (const key of this.data.signingKeys.values()) if (key.rotatedAt === null) key.rotatedAt = now;
  }

  async delete(kids: readonly string[]): Promise<void> {
    for (const kid of kids) if (this.data.signingKeys.get(kid)?.rotatedAt !== null) this.data.signingKeys.delete(kid);
  }

  async revoke(kid: string, now: number): Promise<boolean> {
    const key = this.data.signingKeys.get(kid);
    if (!key || key.revokedAt !== null) return false;
    key.revokedAt = now;
    key.rotatedAt ??= now;
    return true;
  }

  async replacePrivate(kid: string, expected: string, value: string): Promise<boolean> {
    const key = this.data.signingKeys.get(kid);
    if (key?.privateJwk !== expected) return false;
    key.privateJwk = value;
    return true;
  }
}

export class MemorySecrets implements ServerSecretStore {
  constructor(private readonly data: MemoryData) {}

  async get(name: string): Promise<string | null> {
    return this.data.secrets.get(name) ?? null;
  }

  async insertIfAbsent(name: string, value: string, _now?: number): Promise<string> {
    if (!this.data.secrets.has(name)) this.data.secrets.set(name, value);
    return this.data.secrets.get(name)!;
  }

  async list(): Promise<{ name: string; value: string }[]> {
    return [...this.data.secrets].map(([name, value]) => ({ name, value }));
  }

  async replace(name: string, expected: string, value: string): Promise<boolean> {
    if (this.data.secrets.get(name) !== expected) return false;
    this.data.secrets.set(name, value);
    return true;
  }
}
