import { ArgumentsHost, Catch, Injectable, Logger, type ExceptionFilter, type HttpServer } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { exceptionStatus } from './exception-status.js';
import { InvalidRequest, MethodNotAllowed, OAuthError, ServerError } from './oauth-error.js';

/** Headers every OAuth answer carries, success or error. @see RFC 6749 §5.1 */
export const NO_STORE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
};

/**
 * Writes an OAuth endpoint's JSON answer with the no-store headers (and any of the error's own, such
 * as `WWW-Authenticate`), on either HTTP adapter: the one place these headers are set. `body` is an
 * object to serialise, JSON text, or nothing (an empty 200, as revocation answers).
 */
export function replyOAuthJson(
  adapter: HttpServer,
  response: unknown,
  status: number,
  body: object | string | void,
  headers?: Readonly<Record<string, string>>,
): void {
  for (const name in NO_STORE_HEADERS) adapter.setHeader(response, name, NO_STORE_HEADERS[name]);
  if (headers) for (const name in headers) adapter.setHeader(response, name, headers[name]);
  if (typeof body === 'string') adapter.setHeader(response, 'Content-Type', JSON_CONTENT_TYPE);
  adapter.reply(response, body, status);
}

/** What both adapters send with a serialised object. */
const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * Turns anything thrown on an OAuth endpoint into an RFC 6749 §5.2 JSON error, never Nest's default
 * body and never a stack: the OAuth controllers apply it with `@UseFilters`. What fails before their
 * handlers (unreadable bodies, other methods than POST) reaches it through `BeforeHandlerErrors`.
 * @see RFC 6749 §5.2
 */
@Catch()
@Injectable()
export class OAuthExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('DeviceGrant');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    this.reply(exception, http.getRequest(), http.getResponse());
  }

  /** Answers `exception` as an OAuth error on the adapter's `response`. */
  reply(exception: unknown, request: unknown, response: unknown): void {
    const adapter = this.adapterHost.httpAdapter;
    const path = String(adapter.getRequestUrl(request) ?? '').split('?')[0];
    const error = this.toOAuthError(exception, path);
    replyOAuthJson(adapter, response, error.status, error.json, error.headers);
  }

  private toOAuthError(exception: unknown, path: string): OAuthError {
    if (exception instanceof OAuthError) return exception;
    const status = exceptionStatus(exception);
    if (status === 404 || status === 405) return new MethodNotAllowed(`${path} accepts only POST`);
    if (status === 413) return new InvalidRequest('the request body is too large');
    if (status === 415) return new InvalidRequest('Content-Type must be application/x-www-form-urlencoded');
    if (status >= 400 && status < 500) return new InvalidRequest('the request body is malformed');
    // Unexpected: keep the details in the log (never the request body, which may hold secrets).
    this.logger.error(
      `unexpected error on ${path}: ${exception instanceof Error ? exception.stack : String(exception)}`,
    );
    return new ServerError('the server could not complete the request');
  }
}
