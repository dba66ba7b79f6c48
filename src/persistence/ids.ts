import { v7 as uuidv7 } from 'uuid';
import { poolRandomBytes } from '../crypto/secrets.js';

/**
 * A new row id: a UUID v7, which starts with the time, so a new row lands at the end of its table's
 * primary-key index instead of on a random page. Its random bits come from the module's CSPRNG pool:
 * `uuid`'s own source asks the CSPRNG for 16 bytes every time, which showed in an issuance's profile.
 * @see RFC 9562 §5.7
 */
export function newId(): string {
  return uuidv7({ random: poolRandomBytes(16) });
}
