import { StreamableFile, type HttpServer } from '@nestjs/common';

/** Security headers of every page. @see RFC 9700 §4.16, RFC 6749 §10.13 */
export const PAGE_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
};

/** What a page handler answers: a page, a redirect, or a file; with the session cookie to set. */
export type PageResult =
  | { kind: 'page'; status: number; html: string; cookie?: string }
  | { kind: 'redirect'; location: string; cookie?: string }
  | { kind: 'file'; status: number; contentType: string; body: string | Buffer; cacheControl: string };

/** Writes a page result through whichever HTTP adapter runs. */
export function sendPageResult(adapter: HttpServer, response: unknown, result: PageResult): void {
  if (result.kind === 'file') {
    adapter.setHeader(response, 'Content-Type', result.contentType);
    adapter.setHeader(response, 'Cache-Control', result.cacheControl);
    adapter.setHeader(response, 'X-Content-Type-Options', 'nosniff');
    adapter.setHeader(response, 'Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'");
    // A StreamableFile passes bytes through unchanged on every adapter (Express would re-encode a Buffer).
    const bytes = typeof result.body === 'string' ? Buffer.from(result.body, 'utf8') : result.body;
    adapter.reply(response, new StreamableFile(bytes, { type: result.contentType, length: bytes.length }), result.status);
    return;
  }
  if (result.cookie) adapter.setHeader(response, 'Set-Cookie', result.cookie);
  if (result.kind === 'redirect') {
    adapter.setHeader(response, 'Cache-Control', 'no-store');
    adapter.redirect(response, 303, result.location);
    return;
  }
  for (const [name, value] of Object.entries(PAGE_SECURITY_HEADERS)) adapter.setHeader(response, name, value);
  adapter.reply(response, result.html, result.status);
}
