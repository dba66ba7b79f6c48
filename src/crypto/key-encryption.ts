import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * A key management service's own wrapping, for operators who keep the key-encryption key in a KMS or
 * an HSM: `wrap` returns an opaque string the store keeps, `unwrap` gives the bytes back. `context`
 * names what is wrapped (e.g. `signing-key:<kid>`); a KMS can bind it as additional authenticated data.
 */
export interface KeyWrapper {
  wrap(plain: Uint8Array, context: string): Promise<string>;
  unwrap(wrapped: string, context: string): Promise<Uint8Array>;
}

/**
 * The key-encryption key (KEK) that seals the private signing keys and the session-cookie key in the
 * database: 32 random bytes given as base64url, base64 or hex, in the option (e.g. from an environment
 * variable), in a file, or a {@link KeyWrapper}. `previous` keys only open what they sealed, for a
 * rotation of the KEK: configure the new key with the old one as previous on every instance, run
 * `admin keys reseal`, then drop the old one.
 */
export type KeyEncryptionOptions =
  | { key: string; previous?: string[] }
  | { keyFile: string; previous?: string[] }
  | KeyWrapper;

const SEALED = 'dgk1';
const WRAPPED = 'dgk1kms';

/** A KEK ready to use: its bytes and a short public id (so a sealed value says which KEK it needs). */
export interface Kek {
  id: string;
  key: Buffer;
}

/** Reads a 32-byte key from its text form (base64url, base64 or 64 hex digits), or says why it is none. */
export function parseKek(text: string, where: string): Kek {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== 32) {
    throw new Error(`${where}: a key-encryption key is 32 random bytes as base64url or hex (e.g. \`openssl rand -base64 32\`), got ${key.length} bytes`);
  }
  return { id: createHmac('sha256', key).update('device-grant-kit kek id').digest('base64url').slice(0, 8), key };
}

/** A new random KEK in the text form `parseKek` reads. */
export function newKekText(): string {
  return randomBytes(32).toString('base64url');
}

/** Whether a stored value is sealed (by a KEK or a key wrapper) rather than a plain key from an older version. */
export function isSealed(stored: string): boolean {
  return stored.startsWith(`${SEALED}:`) || stored.startsWith(`${WRAPPED}:`);
}

/** The id of the KEK a value was sealed with (undefined for a wrapper's or a plain value). */
export function sealedWith(stored: string): string | undefined {
  return stored.startsWith(`${SEALED}:`) ? stored.split(':')[1] : undefined;
}

/** AES-256-GCM under the KEK, `context` as additional data: `dgk1:<kek id>:<iv>:<ciphertext and tag>`. */
export function sealWithKek(kek: Kek, plain: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek.key, iv);
  cipher.setAAD(Buffer.from(context));
  const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return [SEALED, kek.id, iv.toString('base64url'), sealed.toString('base64url')].join(':');
}

/** Opens `sealWithKek`'s output; throws if the KEK, the context or the bytes are not the ones it was sealed with. */
export function openWithKek(kek: Kek, stored: string, context: string): string {
  const [, , iv, sealed] = stored.split(':');
  const bytes = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', kek.key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString('utf8');
}

export async function sealWithWrapper(wrapper: KeyWrapper, plain: string, context: string): Promise<string> {
  return `${WRAPPED}:${await wrapper.wrap(Buffer.from(plain, 'utf8'), context)}`;
}

export async function openWithWrapper(wrapper: KeyWrapper, stored: string, context: string): Promise<string> {
  return Buffer.from(await wrapper.unwrap(stored.slice(WRAPPED.length + 1), context)).toString('utf8');
}
