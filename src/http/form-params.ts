import { isAscii } from 'node:buffer';
import { DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE } from '../constants.js';
import { InvalidRequest } from '../oauth-errors/oauth-error.js';

/** The parts of an HTTP request the OAuth endpoints read; both the Express and the Fastify request fit. */
export interface OAuthHttpRequest {
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  /** The body as received, when the app was created with `rawBody: true` (recommended). */
  rawBody?: Buffer;
  ip?: string;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Where a request keeps its parsed parameters (a request's body does not change once read): a property
 * of the request object, cheaper to read and to collect than an entry in a WeakMap.
 */
const PARSED = Symbol('device-grant.formParams');
const PERCENT_HEX = /^[0-9A-Fa-f]{2}$/;

/**
 * The parameters of an `application/x-www-form-urlencoded` body, checked once for every endpoint:
 * empty values count as absent, unknown parameters are ignored, and a repeated or bracketed
 * (`a[b]=c`, parsed into an array or object by the framework) parameter is refused.
 * @see RFC 6749 §3.2, RFC 8628 §3.1
 */
export class FormParams {
  private constructor(private readonly values: ReadonlyMap<string, string>) {}

  /**
   * The parameters of a request, parsed once per request: the token endpoint and the metrics
   * interceptor (which reads `grant_type` after the answer) both ask.
   */
  static from(request: OAuthHttpRequest): FormParams {
    const holder = request as OAuthHttpRequest & { [PARSED]?: FormParams };
    return (holder[PARSED] ??= FormParams.read(request));
  }

  private static read(request: OAuthHttpRequest): FormParams {
    if (!isFormContentType(request.headers['content-type'])) {
      throw new InvalidRequest('Content-Type must be application/x-www-form-urlencoded');
    }
    if (Buffer.isBuffer(request.rawBody)) return FormParams.parse(request.rawBody);
    const body = request.body;
    if (body === undefined || body === null || body === '') return new FormParams(new Map());
    if (typeof body !== 'object' || Array.isArray(body)) throw new InvalidRequest('the request body is malformed');
    const values = new Map<string, string>();
    for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
      if (Array.isArray(value)) throw new InvalidRequest(`parameter ${printable(name)} is repeated`);
      if (typeof value !== 'string') throw new InvalidRequest(`parameter ${printable(name)} must be a plain string`);
      if (name.includes('[')) throw new InvalidRequest(`bracketed parameter ${printable(name)} is not supported`);
      if (value !== '') values.set(name, value);
    }
    return new FormParams(values);
  }

  /**
   * Parses the raw body strictly, the same on every HTTP adapter: malformed percent-encoding and
   * invalid UTF-8 are refused instead of being passed on half-decoded.
   * @see RFC 6749 Appendix B
   */
  static parse(raw: Buffer): FormParams {
    // Every parameter seen, empty ones too (as ''), so that a repeat is caught whichever value it had.
    const values = new Map<string, string>();
    if (raw.length === 0) return new FormParams(values);
    // An ASCII body (a poll's, whose grant type URN arrives as urn%3Aietf%3A...) can use the engine's
    // decoder, and its components without '%' or '+' decode to themselves.
    const decode = isAscii(raw) ? decodeAsciiComponent : decodeFormComponent;
    for (const pair of raw.toString('latin1').split('&')) {
      if (pair === '') continue;
      const equals = pair.indexOf('=');
      const name = decode(equals < 0 ? pair : pair.slice(0, equals));
      const value = equals < 0 ? '' : decode(pair.slice(equals + 1));
      if (name.includes('[')) throw new InvalidRequest(`bracketed parameter ${printable(name)} is not supported`);
      if (values.has(name)) throw new InvalidRequest(`parameter ${printable(name)} is repeated`);
      values.set(name, value);
    }
    return new FormParams(values);
  }

  /** The value, or undefined when absent or empty. */
  get(name: string): string | undefined {
    return this.values.get(name) || undefined;
  }

  /** The value; `invalid_request` when absent or empty. */
  require(name: string): string {
    const value = this.values.get(name);
    if (!value) throw new InvalidRequest(`parameter ${name} is required`);
    return value;
  }
}

/** Whether a `Content-Type` header names a form body (parameters such as `charset` allowed). */
function isFormContentType(header: string | string[] | undefined): boolean {
  if (header === 'application/x-www-form-urlencoded') return true;
  return String(header ?? '').split(';')[0].trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

/**
 * The grant types' URNs as clients escape them: a device sends one with every poll, so its decoding
 * is looked up rather than done again each time.
 */
const ESCAPED_GRANT_TYPES = new Map(
  [DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE].map((grantType) => [encodeURIComponent(grantType), grantType]),
);

/**
 * {@link decodeFormComponent} for an ASCII component, through `decodeURIComponent`, which is as strict
 * (it refuses malformed escapes and escaped bytes that are not UTF-8); on any refusal the slow decoder
 * runs to say which it was.
 */
function decodeAsciiComponent(component: string): string {
  const plus = component.indexOf('+');
  if (plus < 0 && component.indexOf('%') < 0) return component;
  const known = ESCAPED_GRANT_TYPES.get(component);
  if (known !== undefined) return known;
  try {
    return decodeURIComponent(plus < 0 ? component : component.replaceAll('+', ' '));
  } catch {
    return decodeFormComponent(component);
  }
}

/**
 * One `application/x-www-form-urlencoded` name or value, given as bytes (a latin1 string): `+` is a
 * space, `%XX` a byte, the bytes UTF-8. `invalid_request` for malformed escapes or invalid UTF-8.
 */
export function decodeFormComponent(latin1: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < latin1.length; i++) {
    const char = latin1.charCodeAt(i);
    if (char === 0x2b) bytes.push(0x20);
    else if (char === 0x25) {
      const hex = latin1.slice(i + 1, i + 3);
      if (!PERCENT_HEX.test(hex)) throw new InvalidRequest('the request body has malformed percent-encoding');
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(char);
  }
  try {
    return UTF8.decode(Uint8Array.from(bytes));
  } catch {
    throw new InvalidRequest('the request body is not valid UTF-8');
  }
}

/** A parameter name safe to echo in an error description. */
function printable(name: string): string {
  return name.replace(/[^\x20-\x7E]/g, '?').slice(0, 40);
}
