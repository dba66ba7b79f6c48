import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCallback, type ScryptOptions } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { TokenStoreError } from './errors.js';
import { acquireFileLock, isAlive } from './file-lock.js';
import type { ReleaseLock, TokenStore } from './token-store.js';
import type { StoredState } from './types.js';
import { isObject } from './validate.js';

/**
 * The `format` member of every token store file.
 *
 * @see RFC 6749 §10.4
 */
export const TOKEN_STORE_FORMAT = 'device-grant-kit/token-store';

/**
 * The schema version this package writes and reads.
 *
 * @see RFC 6749 §10.4
 */
export const TOKEN_STORE_VERSION = 1;

/**
 * scrypt cost parameters for a passphrase-derived key; they are stored in the file, so they can be
 * raised later without breaking old files.
 *
 * @see RFC 7914 §2
 */
export interface ScryptParameters {
  /** CPU/memory cost, a power of two. Default 2^15. */
  N: number;
  /** Block size. Default 8. */
  r: number;
  /** Parallelisation. Default 1. */
  p: number;
}

/**
 * Options of {@link FileTokenStore}.
 *
 * @see RFC 6749 §10.4
 */
export interface FileTokenStoreOptions {
  /**
   * Encrypt at rest with a 256-bit key read from this file: 32 raw bytes, 64 hex digits or the
   * base64(url) of 32 bytes.
   */
  keyFile?: string;
  /** Encrypt at rest with a key derived from this passphrase with scrypt (salt stored in the file). */
  passphrase?: string;
  /** scrypt cost for `passphrase`. Default `{ N: 2 ** 15, r: 8, p: 1 }`. */
  scrypt?: ScryptParameters;
  /** A lock held longer than this (seconds) is treated as stale. Default 60. */
  lockStaleAfter?: number;
  /** Give up waiting for the lock after this many seconds. Default 120. */
  lockTimeout?: number;
}

interface Encryption {
  alg: 'A256GCM';
  kdf: 'none' | 'scrypt';
  salt?: string;
  N?: number;
  r?: number;
  p?: number;
  iv: string;
  tag: string;
}

interface StoreFile {
  format: string;
  version: number;
  data?: StoredState;
  encryption?: Encryption;
  ciphertext?: string;
}

const DEFAULT_SCRYPT: ScryptParameters = { N: 2 ** 15, r: 8, p: 1 };

/** The most memory scrypt parameters read from a file may ask for (128·N·r bytes): a crafted file cannot exhaust a device. */
const MAX_SCRYPT_MEMORY = 128 * 1024 * 1024;

/** Whether scrypt parameters are sane: N a power of two from 2^10, r and p small, the memory bounded. */
function scryptWithinBounds({ N, r, p }: ScryptParameters): boolean {
  const integer = (value: unknown, min: number, max: number) => Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
  return integer(N, 1024, 2 ** 20) && (N & (N - 1)) === 0 && integer(r, 1, 32) && integer(p, 1, 16) && 128 * N * r <= MAX_SCRYPT_MEMORY;
}

/** An AES-GCM tag is 16 bytes; a shorter one would make forgeries cheaper, so nothing else is accepted. */
const GCM_TAG_BYTES = 16;
const GCM_IV_BYTES = 12;

function scrypt(secret: string, salt: Buffer, params: ScryptParameters): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scryptCallback(secret, salt, 32, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/** fsync a directory so that a rename or unlink in it survives power loss. */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot open or fsync a directory; the rename is still atomic there.
  } finally {
    await handle?.close();
  }
}

function checkState(state: unknown): StoredState {
  if (!isObject(state)) throw new TokenStoreError('corrupt', 'token store: "data" is not an object');
  const { tokens, pending } = state;
  if (tokens !== undefined && !(isObject(tokens) && typeof tokens.accessToken === 'string')) {
    throw new TokenStoreError('corrupt', 'token store: "tokens" is malformed');
  }
  if (
    pending !== undefined &&
    !(isObject(pending) && typeof pending.deviceCode === 'string' && typeof pending.expiresAt === 'number')
  ) {
    throw new TokenStoreError('corrupt', 'token store: "pending" is malformed');
  }
  return state as StoredState;
}

/**
 * A {@link TokenStore} in one JSON file that is never left corrupt or half-written: each save
 * writes a temp file created with mode 0600, fsyncs it, renames it over the store and fsyncs the
 * directory. Optionally encrypted at rest with AES-256-GCM, the key coming from a key file or
 * from a passphrase through scrypt. `lock()` is a lock file next to the store (O_EXCL), with
 * stale-lock detection by process liveness and age.
 *
 * @see RFC 6749 §10.4 (keep refresh tokens confidential)
 * @see RFC 6749 §10.3 (keep access tokens confidential)
 */
export class FileTokenStore implements TokenStore {
  /** The path of the store file. */
  readonly path: string;
  readonly #options: FileTokenStoreOptions;
  readonly #keys = new Map<string, Promise<Buffer>>();
  #salt: Buffer | undefined;

  constructor(path: string, options: FileTokenStoreOptions = {}) {
    if (options.keyFile !== undefined && options.passphrase !== undefined) {
      throw new TypeError('FileTokenStore: give keyFile or passphrase, not both');
    }
    if (options.scrypt !== undefined && !scryptWithinBounds(options.scrypt)) {
      throw new TypeError('FileTokenStore: scrypt parameters out of bounds (N a power of two from 2^10, r ≤ 32, p ≤ 16, 128·N·r ≤ 128 MiB)');
    }
    this.path = path;
    this.#options = options;
  }

  get #encrypted(): boolean {
    return this.#options.keyFile !== undefined || this.#options.passphrase !== undefined;
  }

  #key(salt: Buffer | undefined, params: ScryptParameters): Promise<Buffer> {
    const id = salt ? `${salt.toString('base64')}:${params.N}:${params.r}:${params.p}` : 'file';
    let key = this.#keys.get(id);
    if (!key) {
      key = this.#options.passphrase !== undefined ? scrypt(this.#options.passphrase, salt!, params) : this.#readKeyFile();
      key.catch(() => this.#keys.delete(id));
      this.#keys.set(id, key);
    }
    return key;
  }

  async #readKeyFile(): Promise<Buffer> {
    const path = this.#options.keyFile!;
    const mode = await stat(path).then(
      (info) => info.mode & 0o777,
      (cause: unknown) => {
        throw new TokenStoreError('key', `${path}: cannot read the key file`, { cause });
      },
    );
    // Mode bits mean nothing on Windows; elsewhere a key others can read is no key.
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      throw new TokenStoreError('key', `${path}: the key file is readable by others (mode ${mode.toString(8).padStart(4, '0')}): chmod 600 it`);
    }
    const raw = await readFile(path).catch((cause: unknown) => {
      throw new TokenStoreError('key', `${path}: cannot read the key file`, { cause });
    });
    if (raw.length === 32) return raw;
    const text = raw.toString('utf8').trim();
    const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
    if (key.length !== 32) {
      throw new TokenStoreError('key', `${this.#options.keyFile}: a key file holds 32 bytes (raw, hex or base64)`);
    }
    return key;
  }

  async load(): Promise<StoredState | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if (code(error) === 'ENOENT') return undefined;
      throw error;
    }
    let file: StoreFile;
    try {
      file = JSON.parse(text) as StoreFile;
    } catch (cause) {
      throw new TokenStoreError('corrupt', `${this.path}: not valid JSON`, { cause });
    }
    if (!isObject(file) || file.format !== TOKEN_STORE_FORMAT || typeof file.version !== 'number') {
      throw new TokenStoreError('corrupt', `${this.path}: not a token store file`);
    }
    if (file.version !== TOKEN_STORE_VERSION) {
      throw new TokenStoreError('unsupported-version', `${this.path}: schema version ${file.version} is not supported`);
    }
    if (!file.encryption) {
      if (this.#encrypted) {
        throw new TokenStoreError('decrypt', `${this.path}: the store is not encrypted but a key was given`);
      }
      return checkState(file.data);
    }
    if (!this.#encrypted) {
      throw new TokenStoreError('decrypt', `${this.path}: the store is encrypted and no key was given`);
    }
    return checkState(JSON.parse(await this.#decrypt(file)));
  }

  async #decrypt(file: StoreFile): Promise<string> {
    const e = file.encryption!;
    const usesPassphrase = this.#options.passphrase !== undefined;
    if ((e.kdf === 'scrypt') !== usesPassphrase || e.alg !== 'A256GCM' || typeof file.ciphertext !== 'string') {
      throw new TokenStoreError('decrypt', `${this.path}: encrypted with another kind of key (${e.kdf})`);
    }
    const salt = e.salt === undefined ? undefined : Buffer.from(e.salt, 'base64');
    const params = { N: e.N!, r: e.r!, p: e.p! };
    if (usesPassphrase && !scryptWithinBounds(params)) {
      throw new TokenStoreError('corrupt', `${this.path}: scrypt parameters out of bounds (N ${e.N}, r ${e.r}, p ${e.p})`);
    }
    const tag = Buffer.from(String(e.tag), 'base64');
    const iv = Buffer.from(String(e.iv), 'base64');
    if (tag.length !== GCM_TAG_BYTES || iv.length !== GCM_IV_BYTES) {
      throw new TokenStoreError('decrypt', `${this.path}: cannot decrypt (the tag must be ${GCM_TAG_BYTES} bytes and the IV ${GCM_IV_BYTES})`);
    }
    const key = await this.#key(salt, params);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: GCM_TAG_BYTES });
      decipher.setAAD(Buffer.from(this.#aad(e)));
      decipher.setAuthTag(tag);
      const plain = Buffer.concat([decipher.update(Buffer.from(file.ciphertext!, 'base64')), decipher.final()]);
      this.#salt = salt;
      return plain.toString('utf8');
    } catch (cause) {
      throw new TokenStoreError('decrypt', `${this.path}: cannot decrypt (wrong key or tampered file)`, { cause });
    }
  }

  /** The header is authenticated too, so its parameters cannot be swapped. */
  #aad(e: Encryption): string {
    return JSON.stringify([TOKEN_STORE_FORMAT, TOKEN_STORE_VERSION, e.alg, e.kdf, e.salt, e.N, e.r, e.p]);
  }

  async #serialize(state: StoredState): Promise<string> {
    const file: StoreFile = { format: TOKEN_STORE_FORMAT, version: TOKEN_STORE_VERSION };
    if (!this.#encrypted) {
      file.data = state;
      return `${JSON.stringify(file, null, 2)}\n`;
    }
    const params = this.#options.scrypt ?? DEFAULT_SCRYPT;
    const e: Encryption = { alg: 'A256GCM', kdf: 'none', iv: randomBytes(12).toString('base64'), tag: '' };
    let salt: Buffer | undefined;
    if (this.#options.passphrase !== undefined) {
      salt = this.#salt ??= randomBytes(16);
      Object.assign(e, { kdf: 'scrypt', salt: salt.toString('base64'), ...params });
    }
    const cipher = createCipheriv('aes-256-gcm', await this.#key(salt, params), Buffer.from(e.iv, 'base64'));
    cipher.setAAD(Buffer.from(this.#aad(e)));
    const ciphertext = Buffer.concat([cipher.update(JSON.stringify(state), 'utf8'), cipher.final()]);
    e.tag = cipher.getAuthTag().toString('base64');
    file.encryption = e;
    file.ciphertext = ciphertext.toString('base64');
    return `${JSON.stringify(file, null, 2)}\n`;
  }

  async save(state: StoredState): Promise<void> {
    const content = await this.#serialize(state);
    const dir = dirname(this.path);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const temp = `${this.path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const handle = await open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(content);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await syncDirectory(dir);
    await this.#removeOrphans(dir);
  }

  /** Temp files left by a process that died mid-save are removed. */
  async #removeOrphans(dir: string): Promise<void> {
    const prefix = `${basename(this.path)}.`;
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const match = name.startsWith(prefix) && /^(\d+)\.[0-9a-f]+\.tmp$/.exec(name.slice(prefix.length));
      if (match && Number(match[1]) !== process.pid && !isAlive(Number(match[1]))) {
        await unlink(join(dir, name)).catch(() => undefined);
      }
    }
  }

  async clear(): Promise<void> {
    try {
      await unlink(this.path);
    } catch (error) {
      if (code(error) !== 'ENOENT') throw error;
    }
    await syncDirectory(dirname(this.path));
  }

  lock(): Promise<ReleaseLock> {
    return acquireFileLock(`${this.path}.lock`, {
      staleMs: (this.#options.lockStaleAfter ?? 60) * 1000,
      timeoutMs: (this.#options.lockTimeout ?? 120) * 1000,
    });
  }
}
