import { randomInt } from 'node:crypto';

/** How user codes look: the alphabet, the number of characters and the display mask. */
export interface UserCodeFormat {
  alphabet: string;
  length: number;
  /** Each `X` is a code character; anything else is printed as is (e.g. `XXXX-XXXX`). */
  mask: string;
}

/** Look-alike letters typed for digits (RFC 8628 §6.1 allows mapping them). */
const DIGIT_LOOKALIKES: Record<string, string> = { O: '0', I: '1', L: '1' };

/**
 * A fresh user code in normalised form (alphabet characters only), each character drawn uniformly
 * from the CSPRNG.
 * @see RFC 8628 §6.1
 */
export function generateUserCode(format: UserCodeFormat): string {
  let code = '';
  for (let i = 0; i < format.length; i++) code += format.alphabet[randomInt(format.alphabet.length)];
  return code;
}

/**
 * What the user typed, in the stored form: upper case, dashes, spaces and anything outside the
 * alphabet removed (and, for digit codes, look-alike letters mapped to digits). Returns null when
 * the result cannot be a code of this format.
 * @see RFC 8628 §6.1
 */
export function normalizeUserCode(input: string, format: UserCodeFormat): string | null {
  if (typeof input !== 'string' || input.length > 64) return null;
  const digits = /^[0-9]+$/.test(format.alphabet);
  let code = '';
  for (const char of input.toUpperCase()) {
    const mapped = digits ? (DIGIT_LOOKALIKES[char] ?? char) : char;
    if (format.alphabet.includes(mapped)) code += mapped;
  }
  return code.length === format.length ? code : null;
}

/** A normalised code laid out through the mask for display (`WDJBMJHT` → `WDJB-MJHT`). @see RFC 8628 §6.1 */
export function formatUserCode(code: string, format: UserCodeFormat): string {
  let index = 0;
  let out = '';
  for (const char of format.mask) out += char === 'X' ? (code[index++] ?? '') : char;
  return out;
}
