import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { chmodSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import type { ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { InjectDeviceGrantOptions } from '../device-grant.module-definition.js';
import { InjectDeviceGrantStore, type DeviceGrantStore } from '../persistence/device-grant-store.js';
import {
  isSealed,
  newKekText,
  openWithKek,
  openWithWrapper,
  parseKek,
  sealedWith,
  sealWithKek,
  sealWithWrapper,
  type Kek,
  type KeyWrapper,
} from './key-encryption.js';

interface Keks {
  /** Seals; a KEK, or the operator's key wrapper. */
  current: Kek | KeyWrapper;
  /** Only open what they sealed (a KEK rotation in progress). */
  previous: Kek[];
  /** The file they were read from, if any (read again when a value names a KEK not among them, or the file changed). */
  file?: string;
  /** The file's modification time when it was read. */
  fileChangedAt?: number;
}

/** What `rotateKeyFile` did. */
export interface KekRotation {
  file: string;
  from: string;
  to: string;
  resealed: number;
}

/** What is sealed, for the additional data of its seal: the same bytes cannot be moved to another record. */
export const sealContext = {
  signingKey: (kid: string) => `signing-key:${kid}`,
  secret: (name: string) => `secret:${name}`,
};

/**
 * Seals the key material kept in the database (the private signing keys, the session-cookie key) with
 * the key-encryption key, so a copy of the database without that key yields no usable key. Where the
 * KEK comes from (`keyEncryption` option): a key, a key file or a KMS wrapper; left out, an SQLite
 * file's KEK is generated into a 0600 file beside the database (`<database>.kek`), an in-memory
 * database gets one for the process, and a shared database (PostgreSQL) refuses to start, since every
 * instance must hold the same KEK. At start-up every value not sealed with the current KEK (a plain key
 * of an older version, or one sealed with a previous KEK) is sealed again.
 */
@Injectable()
export class KeyVault implements OnModuleInit {
  private readonly logger = new Logger('DeviceGrantKeys');
  private keks?: Promise<Keks>;

  constructor(
    @InjectDeviceGrantStore() private readonly store: DeviceGrantStore,
    @InjectDeviceGrantOptions() private readonly options: ResolvedDeviceGrantOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    const resealed = await this.resealAll();
    if (resealed > 0) this.logger.log(`sealed ${resealed} stored key(s) with the key-encryption key`);
  }

  /** Seals with the current KEK; one read from a file that has changed since (a KEK rotation) is read again first. */
  async seal(plain: string, context: string): Promise<string> {
    const keks = await this.ready();
    if (keks.file && statSync(keks.file).mtimeMs !== keks.fileChangedAt) this.keks = undefined;
    const { current } = await this.ready();
    return 'wrap' in current ? sealWithWrapper(current, plain, context) : sealWithKek(current, plain, context);
  }

  /**
   * The plain value of a stored one (a plain value of an older version is returned as it is). A value
   * sealed with a KEK this process does not hold, when the KEKs come from a file, has the file read
   * again first: `admin keys rotate-kek` may have replaced it.
   */
  async open(stored: string, context: string): Promise<string> {
    if (!isSealed(stored)) return stored;
    const keks = await this.ready();
    const id = sealedWith(stored);
    if (id !== undefined && keks.file && !this.holds(keks, id)) {
      this.keks = undefined;
      return this.openWith(await this.ready(), stored, context, id);
    }
    return this.openWith(keks, stored, context, id);
  }

  /**
   * Rotates a file-held KEK (the default one beside an SQLite database, or the `keyFile` option): a new
   * KEK is written first, with the old one kept after it in the file; every stored key is sealed with
   * the new one; then the old one is dropped from the file. A crash at any step leaves every stored key
   * openable. Other processes reading the same file pick the new KEK up when they meet a value sealed
   * with it.
   */
  async rotateKeyFile(): Promise<KekRotation> {
    const keks = await this.ready();
    if (!keks.file || 'wrap' in keks.current) {
      throw new Error('the key-encryption key is not read from a file: set the new one as the key and the old one among the previous keys on every instance (each seals again at start-up), or run `keys reseal`');
    }
    const from = keks.current.id;
    const next = newKekText();
    writeKeyFile(keks.file, [next, ...readKeyFile(keks.file)]);
    this.keks = undefined;
    const resealed = await this.resealAll();
    const current = (await this.ready()).current as Kek;
    writeKeyFile(keks.file, [next]);
    this.keks = undefined;
    return { file: keks.file, from, to: current.id, resealed };
  }

  private holds(keks: Keks, id: string): boolean {
    return (!('wrap' in keks.current) && keks.current.id === id) || keks.previous.some((kek) => kek.id === id);
  }

  private async openWith(keks: Keks, stored: string, context: string, id: string | undefined): Promise<string> {
    const { current, previous } = keks;
    if (id === undefined) {
      if (!('wrap' in current)) throw new Error('a key in the database was sealed by a key wrapper (KMS), and none is configured');
      return openWithWrapper(current, stored, context);
    }
    const kek = [...('wrap' in current ? [] : [current]), ...previous].find((candidate) => candidate.id === id);
    if (!kek) {
      throw new Error(`a key in the database was sealed with key-encryption key ${id}, which is not configured (as the key, or among the previous ones)`);
    }
    return openWithKek(kek, stored, context);
  }

  /**
   * Seals again, with the current KEK, every stored key that is plain or sealed with another one; the
   * number sealed. Each write is conditional on the value it read, so instances doing it at once agree.
   */
  async resealAll(): Promise<number> {
    const { current } = await this.ready();
    const stale = (stored: string) => ('wrap' in current ? sealedWith(stored) !== undefined || !isSealed(stored) : sealedWith(stored) !== current.id);
    let count = 0;
    for (const key of await this.store.signingKeys.list()) {
      if (!stale(key.privateJwk)) continue;
      const context = sealContext.signingKey(key.kid);
      const sealed = await this.seal(await this.open(key.privateJwk, context), context);
      if (await this.store.signingKeys.replacePrivate(key.kid, key.privateJwk, sealed)) count++;
    }
    for (const secret of await this.store.secrets.list()) {
      if (!stale(secret.value)) continue;
      const context = sealContext.secret(secret.name);
      const sealed = await this.seal(await this.open(secret.value, context), context);
      if (await this.store.secrets.replace(secret.name, secret.value, sealed)) count++;
    }
    return count;
  }

  private ready(): Promise<Keks> {
    this.keks ??= this.resolve().catch((error: unknown) => {
      this.keks = undefined;
      throw error;
    });
    return this.keks;
  }

  private async resolve(): Promise<Keks> {
    const configured = this.options.keyEncryption;
    if (configured && 'wrap' in configured) return { current: configured, previous: [] };
    const previous = (configured?.previous ?? []).map((text, index) => parseKek(text, `keyEncryption.previous[${index}]`));
    if (configured && 'key' in configured) return { current: parseKek(configured.key, 'keyEncryption.key'), previous };
    if (configured && 'keyFile' in configured) return fromFile(configured.keyFile, previous);
    const location = this.store.maintenance.location();
    if (location.shared) {
      throw new Error(
        'DeviceGrantModule: on a shared database (PostgreSQL) every instance needs the same key-encryption key: set the keyEncryption option ' +
          '(the demo reads KEY_ENCRYPTION_KEY or KEY_ENCRYPTION_KEY_FILE), e.g. from `openssl rand -base64 32`. See the README, "Keys at rest".',
      );
    }
    if (!location.file) return { current: parseKek(newKekText(), 'a generated key'), previous };
    return fromFile(this.keyFileBeside(location.file), previous);
  }

  /** The KEK file beside an SQLite database (its path), generated 0600 on first start (by exactly one process). */
  private keyFileBeside(database: string): string {
    const path = `${database}.kek`;
    try {
      writeFileSync(path, `${newKekText()}\n`, { mode: 0o600, flag: 'wx' });
      this.logger.log(`generated the key-encryption key ${path} (0600): it seals the signing and cookie keys in the database; keep it out of database backups`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      chmodSync(path, 0o600); // one left readable by an older version or a careless copy
      this.logger.log(`key-encryption key ${path}`);
    }
    return path;
  }
}

/** A key file holds the current KEK on its first line and, during a rotation, previous ones after it. */
function readKeyFile(path: string): string[] {
  const lines = readFileSync(path, 'utf8').split('\n').map((line) => line.trim()).filter((line) => line !== '');
  if (lines.length === 0) throw new Error(`${path}: the key-encryption key file is empty`);
  return lines;
}

function fromFile(path: string, previous: Kek[]): Keks {
  const fileChangedAt = statSync(path).mtimeMs;
  const [current, ...older] = readKeyFile(path).map((text, index) => parseKek(text, `${path} line ${index + 1}`));
  return { current, previous: [...older, ...previous], file: path, fileChangedAt };
}

/** Replaces a key file at once (a new file renamed over it), 0600. */
function writeKeyFile(path: string, keys: string[]): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${keys.join('\n')}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}
