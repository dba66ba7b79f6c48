import { InvalidBearerRequest } from './bearer-errors.js';

/** What reading a bearer token needs of a request; the Express and the Fastify request both fit. */
export interface BearerRequest {
  headers: Record<string, string | string[] | undefined>;
  url?: string;
  body?: unknown;
  rawHeaders?: string[];
  raw?: { rawHeaders?: string[] };
}

/** `b64token`. @see RFC 6750 §2.1 */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * The bearer token of a request, from the `Authorization` header only; undefined when the request
 * carries no bearer credentials (none, or another scheme). Refused as `invalid_request`: two
 * `Authorization` headers, a malformed `Bearer` value, and a token in the query (RFC 9700 §4.3.2
 * forbids it) or in a form body (optional for servers, RFC 6750 §2.2; we take one method only).
 * @see RFC 6750 §2, §3.1
 */
export function extractBearerToken(request: BearerRequest): string | undefined {
  const headers = authorizationHeaders(request);
  if (headers.length > 1) throw new InvalidBearerRequest('send one Authorization header');
  if (hasQueryToken(request.url)) throw new InvalidBearerRequest('send the access token in the Authorization header, not the URL');
  if (hasFormBodyToken(request)) throw new InvalidBearerRequest('send the access token in the Authorization header, not the body');
  if (headers.length === 0) return undefined;
  const header = headers[0].trim();
  const space = header.indexOf(' ');
  const scheme = space < 0 ? header : header.slice(0, space);
  if (scheme.toLowerCase() !== 'bearer') return undefined;
  const token = space < 0 ? '' : header.slice(space + 1).trimStart();
  if (!B64TOKEN.test(token) || token.length > 8192) throw new InvalidBearerRequest('the Bearer credentials are malformed');
  return token;
}

const AUTHORIZATION = 'authorization';

/** Every `Authorization` header as sent (Node keeps only the first in `headers`). */
function authorizationHeaders(request: BearerRequest): string[] {
  const raw = request.rawHeaders ?? request.raw?.rawHeaders;
  if (Array.isArray(raw)) {
    const values: string[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (raw[i].length === AUTHORIZATION.length && raw[i].toLowerCase() === AUTHORIZATION) values.push(raw[i + 1]);
    }
    return values;
  }
  const value = request.headers.authorization;
  return value === undefined ? [] : [value].flat();
}

function hasQueryToken(url: string | undefined): boolean {
  const start = url === undefined ? -1 : url.indexOf('?');
  return start >= 0 && new URLSearchParams(url!.slice(start + 1).split('?')[0]).has('access_token');
}

function hasFormBodyToken(request: BearerRequest): boolean {
  const body = request.body;
  if (typeof body !== 'object' || body === null || !Object.prototype.hasOwnProperty.call(body, 'access_token')) return false;
  const contentType = String(request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  return contentType === 'application/x-www-form-urlencoded';
}
