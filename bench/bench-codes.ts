import { sha256 } from '../src/crypto/secrets.js';
import { deviceCodeKey } from '../src/device-authorization/device-code.js';
import { USER_CODE_ALPHABETS } from '../src/device-grant.options.js';

/**
 * Deterministic credentials for bulk-seeded rows, so the load generator can name row `i` without
 * being sent anything: the server child inserts the hashes, the orchestrator sends the codes.
 * They have the shape the server accepts (base64url, 20–128 characters).
 */
export function benchDeviceCode(i: number): string {
  return `benchdevicecode${String(i).padStart(12, '0')}`;
}

export function benchRefreshToken(i: number): string {
  return `benchrefreshtoken${String(i).padStart(12, '0')}`;
}

const ALPHABET = USER_CODE_ALPHABETS.base20;
const USER_CODE_SPACE = 20 ** 8;
/** Prime and coprime to 20, so `i → i·P mod 20⁸` is a bijection: unique, scattered user codes. */
const SCATTER = 104_729;

/** The normalised (stored) 8-character base20 user code of row `i`. */
export function benchUserCode(i: number): string {
  let x = (i * SCATTER) % USER_CODE_SPACE;
  let code = '';
  for (let k = 0; k < 8; k++) {
    code = ALPHABET[x % 20] + code;
    x = Math.floor(x / 20);
  }
  return code;
}

export function benchDeviceCodeHash(i: number): string {
  return deviceCodeKey(benchDeviceCode(i));
}

export function benchRefreshTokenHash(i: number): string {
  return sha256(benchRefreshToken(i));
}

/** A UUID-shaped id for row `i` (the primary key is varchar(36)). */
export function benchId(prefix: number, i: number): string {
  const hex = i.toString(16).padStart(12, '0');
  return `${prefix.toString(16).padStart(8, '0')}-0000-4000-8000-${hex}`;
}

/** The public device client the bench registers on oidc-provider. */
export const OIDC_CLIENT_ID = 'bench-device';
