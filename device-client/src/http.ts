import { createOAuthError, OAuthError, ResponseValidationError, TransportError } from './errors.js';
import type { Clock } from './types.js';
import { isObject, type JsonObject } from './validate.js';

/**
 * Everything one HTTP exchange needs; built once by the client from its options.
 *
 * @see RFC 8628 §3.5
 */
export interface Transport extends Clock {
  fetch: typeof fetch;
  /** Per-request timeout in ms. */
  timeoutMs: number;
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  allowInsecureRequests: boolean;
  /** Sent as `User-Agent` on every request to the authorization server. */
  userAgent?: string;
}

/**
 * Client credentials: a public client has only an id.
 *
 * @see RFC 6749 §2.3.1
 */
export interface ClientAuth {
  clientId: string;
  clientSecret?: string;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Endpoints must be https (RFC 8628 §3.1, RFC 7009 §2); plain http only to loopback or when allowed.
 *
 * @see RFC 8628 §3.1
 */
export function checkUrl(url: string, allowInsecure: boolean): URL {
  const parsed = new URL(url);
  if (parsed.protocol === 'https:') return parsed;
  if (parsed.protocol === 'http:' && (allowInsecure || LOOPBACK.has(parsed.hostname))) return parsed;
  throw new TypeError(`${url}: only https URLs are allowed (allowInsecureRequests for plain http)`);
}

/**
 * application/x-www-form-urlencoded encoding of one value (RFC 6749 Appendix B).
 *
 * @see RFC 6749 Appendix B
 */
export function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/**
 * HTTP Basic client authentication: id and secret are form-encoded before base64 (RFC 6749 §2.3.1).
 *
 * @see RFC 6749 §2.3.1
 */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${btoa(`${formEncode(clientId)}:${formEncode(clientSecret)}`)}`;
}

/**
 * A form POST with client authentication: Basic when there is a secret, else `client_id` in the body.
 *
 * @see RFC 6749 §2.3.1
 */
export function formPost(auth: ClientAuth, params: Record<string, string | undefined>): RequestInit {
  const body = new URLSearchParams();
  const headers: Record<string, string> = {
    accept: 'application/json',
    'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
  };
  if (auth.clientSecret !== undefined) {
    headers.authorization = basicAuthorization(auth.clientId, auth.clientSecret);
  } else {
    body.set('client_id', auth.clientId);
  }
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') body.set(key, value);
  }
  return { method: 'POST', headers, body: body.toString() };
}

/**
 * Parses `Retry-After` (delta-seconds or an HTTP-date) into milliseconds from `now`.
 *
 * @see RFC 9110 §10.2.3
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

async function fetchOnce(
  t: Transport,
  url: string,
  init: RequestInit,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<Response> {
  const timeout = AbortSignal.timeout(Math.max(1, timeoutMs));
  const headers = new Headers(init.headers);
  if (t.userAgent && !headers.has('user-agent')) headers.set('user-agent', t.userAgent);
  return t.fetch(url, {
    ...init,
    headers,
    redirect: 'manual',
    signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
  });
}

/**
 * Options of {@link send}.
 *
 * @see RFC 8628 §3.5
 */
export interface SendOptions {
  signal?: AbortSignal;
  /** Retry until this moment (ms since the epoch) instead of `maxAttempts` times. */
  deadline?: number;
  /** Never retry sooner than this (the polling interval), in ms. */
  minDelayMs?: number;
}

/**
 * Sends a request with its own timeout, retrying network errors, timeouts, 5xx and 429 with
 * capped, jittered exponential backoff that honours `Retry-After`. Any other response is returned.
 * Throws {@link TransportError} when the retries (or the deadline) run out, and the caller's
 * `signal.reason` when the caller aborts.
 *
 * @see RFC 8628 §3.5
 */
export async function send(t: Transport, url: string, init: RequestInit, o: SendOptions = {}): Promise<Response> {
  checkUrl(url, t.allowInsecureRequests);
  for (let attempt = 0; ; attempt++) {
    o.signal?.throwIfAborted();
    const timeoutMs = o.deadline === undefined ? t.timeoutMs : Math.min(t.timeoutMs, o.deadline - t.now());
    let failure: TransportError;
    let retryAfter: number | undefined;
    if (timeoutMs <= 0) throw new TransportError(`${url}: deadline reached`);
    try {
      const response = await fetchOnce(t, url, init, timeoutMs, o.signal);
      if (response.status < 500 && response.status !== 429) return response;
      retryAfter = parseRetryAfter(response.headers.get('retry-after'), t.now());
      await response.body?.cancel();
      failure = new TransportError(`${url}: HTTP ${response.status}`, { status: response.status });
    } catch (cause) {
      if (o.signal?.aborted) throw o.signal.reason;
      failure = new TransportError(`${url}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
    const minDelay = o.minDelayMs ?? 0;
    const backoff = Math.min(t.maxDelayMs, Math.max(t.baseDelayMs, minDelay) * 2 ** attempt);
    const delay = Math.max(minDelay, backoff * (0.5 + Math.random() / 2), retryAfter ?? 0);
    const giveUp =
      o.deadline === undefined
        ? attempt + 1 >= t.maxAttempts || delay > t.maxDelayMs
        : t.now() + delay >= o.deadline;
    if (giveUp) throw failure;
    await t.sleep(delay, o.signal);
  }
}

/**
 * Reads a JSON object body; anything else breaks the RFC.
 *
 * @see RFC 6749 §5.1
 */
export async function readJson(response: Response, where: string): Promise<JsonObject> {
  let body: unknown;
  try {
    body = await response.json();
  } catch (cause) {
    throw new ResponseValidationError(`${where}: the body is not JSON`, { cause });
  }
  if (!isObject(body)) throw new ResponseValidationError(`${where}: the body is not a JSON object`);
  return body;
}

/**
 * Turns a non-200 response into the error to throw: a typed {@link OAuthError} when the body is an
 * RFC 6749 §5.2 error object, otherwise a {@link TransportError} with the status.
 *
 * @see RFC 6749 §5.2
 */
export async function errorFromResponse(response: Response, where: string): Promise<OAuthError | TransportError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  if (isObject(body) && typeof body.error === 'string' && body.error !== '') {
    return createOAuthError(
      body.error,
      typeof body.error_description === 'string' ? body.error_description : undefined,
      { status: response.status, uri: typeof body.error_uri === 'string' ? body.error_uri : undefined },
    );
  }
  return new TransportError(`${where}: unexpected HTTP ${response.status}`, { status: response.status });
}

/**
 * The default sleep: a timer that ends at once, rejecting with the reason, when `signal` aborts.
 *
 * @see RFC 8628 §3.5
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
