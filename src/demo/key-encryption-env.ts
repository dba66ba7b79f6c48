import type { KeyEncryptionOptions } from '../crypto/key-encryption.js';

/**
 * The demo's and the admin CLI's key-encryption key from the environment: `KEY_ENCRYPTION_KEY` (the key,
 * base64url or hex) or `KEY_ENCRYPTION_KEY_FILE` (a file holding it), and `PREVIOUS_KEY_ENCRYPTION_KEYS`
 * (comma-separated) during a rotation. Neither set: undefined (an SQLite file then gets a generated key
 * beside it; PostgreSQL refuses to start).
 */
export function keyEncryptionFromEnv(env: NodeJS.ProcessEnv = process.env): KeyEncryptionOptions | undefined {
  const previous = env.PREVIOUS_KEY_ENCRYPTION_KEYS ? env.PREVIOUS_KEY_ENCRYPTION_KEYS.split(',').map((key) => key.trim()) : undefined;
  if (env.KEY_ENCRYPTION_KEY) return { key: env.KEY_ENCRYPTION_KEY, previous };
  if (env.KEY_ENCRYPTION_KEY_FILE) return { keyFile: env.KEY_ENCRYPTION_KEY_FILE, previous };
  return undefined;
}
