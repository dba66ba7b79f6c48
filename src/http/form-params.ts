import { InvalidRequest } from '../oauth-errors/oauth-error.js';

/** The parts of an HTTP request the OAuth endpoints read; both the Express and the Fastify request fit. */
export interface OAuthHttpRequest {
  headers: Record<string, string | string[] | undefined>;
  body?: unknown;
  ip?: string;
}

/**
 * The parameters of an `application/x-www-form-urlencoded` body, checked once for every endpoint:
 * empty values count as absent, unknown parameters are ignored, and a repeated or bracketed
 * (`a[b]=c`, parsed into an array or object by the framework) parameter is refused.
 * @see RFC 6749 §3.2, RFC 8628 §3.1
 */
export class FormParams {
  private constructor(private readonly values: ReadonlyMap<string, string>) {}

  static from(request: OAuthHttpRequest): FormParams {
    const contentType = String(request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (contentType !== 'application/x-www-form-urlencoded') {
      throw new InvalidRequest('Content-Type must be application/x-www-form-urlencoded');
    }
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

  /** The value, or undefined when absent or empty. */
  get(name: string): string | undefined {
    return this.values.get(name);
  }

  /** The value; `invalid_request` when absent. */
  require(name: string): string {
    const value = this.values.get(name);
    if (value === undefined) throw new InvalidRequest(`parameter ${name} is required`);
    return value;
  }
}

/** A parameter name safe to echo in an error description. */
function printable(name: string): string {
  return name.replace(/[^\x20-\x7E]/g, '?').slice(0, 40);
}

/**
 * Checks a value against a pattern and a maximum length; `invalid_request` naming the parameter otherwise.
 */
export function checkValue(name: string, value: string, pattern: RegExp, maxLength: number): string {
  if (value.length > maxLength || !pattern.test(value)) throw new InvalidRequest(`parameter ${name} is malformed`);
  return value;
}
