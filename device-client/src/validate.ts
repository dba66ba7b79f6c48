import { ResponseValidationError } from './errors.js';

/**
 * A parsed JSON object.
 *
 * @see RFC 6749 §5.1
 */
export type JsonObject = Record<string, unknown>;

/**
 * Whether a parsed JSON value is an object (not null, not an array).
 *
 * @see RFC 6749 §5.1
 */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A required non-empty string member, or a ResponseValidationError.
 *
 * @see RFC 6749 §5.1
 */
export function requireString(o: JsonObject, key: string, where: string): string {
  const value = o[key];
  if (typeof value !== 'string' || value === '') {
    throw new ResponseValidationError(`${where}: "${key}" must be a non-empty string`);
  }
  return value;
}

/**
 * An optional string member.
 *
 * @see RFC 6749 §5.1
 */
export function optionalString(o: JsonObject, key: string, where: string): string | undefined {
  return o[key] === undefined ? undefined : requireString(o, key, where);
}

/**
 * An optional non-negative JSON number member (never a numeric string).
 *
 * @see RFC 6749 §5.1
 */
export function optionalNumber(o: JsonObject, key: string, where: string): number | undefined {
  const value = o[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ResponseValidationError(`${where}: "${key}" must be a non-negative number`);
  }
  return value;
}

/**
 * A required member that is a URL.
 *
 * @see RFC 8414 §2
 */
export function requireUrl(o: JsonObject, key: string, where: string): string {
  const value = requireString(o, key, where);
  if (!URL.canParse(value)) throw new ResponseValidationError(`${where}: "${key}" must be a URL`);
  return value;
}

/**
 * An optional member that is a URL.
 *
 * @see RFC 8414 §2
 */
export function optionalUrl(o: JsonObject, key: string, where: string): string | undefined {
  return o[key] === undefined ? undefined : requireUrl(o, key, where);
}
