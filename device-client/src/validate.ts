import { ResponseValidationError } from './errors.js';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requireString(o: JsonObject, key: string, where: string): string {
  const value = o[key];
  if (typeof value !== 'string' || value === '') {
    throw new ResponseValidationError(`${where}: "${key}" must be a non-empty string`);
  }
  return value;
}

export function optionalString(o: JsonObject, key: string, where: string): string | undefined {
  return o[key] === undefined ? undefined : requireString(o, key, where);
}

export function optionalNumber(o: JsonObject, key: string, where: string): number | undefined {
  const value = o[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ResponseValidationError(`${where}: "${key}" must be a non-negative number`);
  }
  return value;
}

export function requireUrl(o: JsonObject, key: string, where: string): string {
  const value = requireString(o, key, where);
  if (!URL.canParse(value)) throw new ResponseValidationError(`${where}: "${key}" must be a URL`);
  return value;
}

export function optionalUrl(o: JsonObject, key: string, where: string): string | undefined {
  return o[key] === undefined ? undefined : requireUrl(o, key, where);
}
