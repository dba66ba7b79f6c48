import { hash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

const TOKEN_BYTES = 32;
/** Random bytes drawn from the CSPRNG 8 KiB at a time: one call per token cost more than using it. */
const POOL_BYTES = 8 * 1024;
let pool = Buffer.alloc(0);
let poolOffset = 0;

/** Where `length` unused pool bytes start; the caller takes them and then calls {@link used}. */
function take(length: number): number {
  if (poolOffset + length > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  return poolOffset;
}

/** Each byte serves once, and is not left in the pool once handed out. */
function used(length: number): void {
  pool.fill(0, poolOffset, poolOffset + length);
  poolOffset += length;
}

/** `length` bytes (at most {@link POOL_BYTES}) from the CSPRNG, drawn from the pool. */
export function poolRandomBytes(length: number): Buffer {
  const start = take(length);
  const bytes = Buffer.from(pool.subarray(start, start + length));
  used(length);
  return bytes;
}

/** A credential with 256 bits from the CSPRNG, base64url (43 characters). @see RFC 6749 §10.10 */
export function randomToken(): string {
  const start = take(TOKEN_BYTES);
  const token = pool.toString('base64url', start, start + TOKEN_BYTES);
  used(TOKEN_BYTES);
  return token;
}

/**
 * SHA-256, hex. Refresh tokens carry 256 random bits, so a fast hash is enough to make a leaked
 * table worthless; it also gives an indexed lookup by hash. (Device codes get their own key, with the
 * same hash: see `deviceCodeKey`.)
 */
export function sha256(value: string): string {
  return hash('sha256', value, 'hex');
}

const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32 };

function scryptAsync(secret: string, salt: Buffer, N: number, r: number, p: number, keyLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, keyLength, { N, r, p, maxmem: 256 * N * r }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** An scrypt hash of a low-entropy secret (client secret, password): `scrypt$N$r$p$salt$hash`. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const { N, r, p, keyLength } = SCRYPT;
  const key = await scryptAsync(secret, salt, N, r, p, keyLength);
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Checks a secret against `hashSecret`'s output in constant time; false for a malformed hash. */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || N > 1 << 20) return false;
  const expected = Buffer.from(parts[5], 'base64url');
  const actual = await scryptAsync(secret, Buffer.from(parts[4], 'base64url'), N, r, p, expected.length);
  return timingSafeEqual(actual, expected);
}

/** A hash to burn the same time when the client or user is unknown, so timing does not tell. */
let dummyHash: Promise<string> | undefined;
export function dummySecretHash(): Promise<string> {
  dummyHash ??= hashSecret(randomToken());
  return dummyHash;
}

/** Constant-time string equality (for equal-length secrets such as CSRF tokens or normalised codes). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}
