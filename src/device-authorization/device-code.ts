import { hash } from 'node:crypto';
import { poolRandomBytes } from '../crypto/secrets.js';

/** Bytes of a device code that carry its issue time (milliseconds since the epoch, big-endian). */
const TIME_BYTES = 6;
/** Random bytes after them: 208 bits, well past the 128 RFC 6749 §10.10 asks of a guessable credential. */
const RANDOM_BYTES = 26;
/** Base64url characters that encode exactly the time bytes. */
const TIME_CHARS = (TIME_BYTES * 4) / 3;

/**
 * A new device code: its issue time in 6 bytes, then 26 random bytes, base64url (43 characters, the
 * same shape as any other credential we issue). The time is not secret (the grant's id says as much);
 * it is there so that the stored lookup key ({@link deviceCodeKey}) of a new grant sorts after every
 * older one.
 * @see RFC 8628 §3.2, §5.2
 */
export function newDeviceCode(now: number): string {
  const bytes = Buffer.allocUnsafe(TIME_BYTES + RANDOM_BYTES);
  bytes.writeUIntBE(Math.max(0, Math.floor(now)) % 2 ** 48, 0, TIME_BYTES);
  poolRandomBytes(RANDOM_BYTES).copy(bytes, TIME_BYTES);
  return bytes.toString('base64url');
}

/**
 * What is stored of a device code, and looked up by: the issue time its first bytes carry, as hex,
 * then the SHA-256 of the whole code, base64url (55 characters). Only the hash part is secret, and the
 * code cannot be recovered from it. The time comes first so that the unique index on this key grows at
 * its end: a batch of new grants writes one or two index pages instead of one random page per grant
 * (a random key's index was the largest part of the cost of an issuance on SQLite). The key is
 * derived from any string the same way, so a code that is not ours simply finds nothing.
 */
export function deviceCodeKey(deviceCode: string): string {
  const time =
    issueTimeHex(deviceCode) ??
    Buffer.from(deviceCode.slice(0, TIME_CHARS), 'base64url').toString('hex').padEnd(TIME_BYTES * 2, '0');
  return `${time}${hash('sha256', deviceCode, 'base64url')}`;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** Each ASCII character's base64url digit, or -1. */
const BASE64URL_DIGITS = Int8Array.from({ length: 128 }, (_, code) => BASE64URL.indexOf(String.fromCharCode(code)));

/**
 * The hex of the time bytes a device code starts with, read straight from its first 8 base64url
 * characters (6 bits each, exactly the 6 bytes); undefined when they are not all base64url, for the
 * general decoding above. Every poll derives a key, and this is quicker than a round trip through a
 * buffer; the two 24-bit halves stay small integers, whose hex is quicker than the 48-bit whole's.
 */
function issueTimeHex(deviceCode: string): string | undefined {
  if (deviceCode.length < TIME_CHARS) return undefined;
  const high = base64urlValue(deviceCode, 0);
  const low = base64urlValue(deviceCode, TIME_CHARS / 2);
  if (high < 0 || low < 0) return undefined;
  return high.toString(16).padStart(TIME_BYTES, '0') + low.toString(16).padStart(TIME_BYTES, '0');
}

/** The 24-bit value of 4 base64url characters from `start`, or -1 if one is not base64url. */
function base64urlValue(text: string, start: number): number {
  let value = 0;
  for (let i = start; i < start + 4; i++) {
    const code = text.charCodeAt(i);
    const digit = code < 128 ? BASE64URL_DIGITS[code] : -1;
    if (digit < 0) return -1;
    value = value * 64 + digit;
  }
  return value;
}
