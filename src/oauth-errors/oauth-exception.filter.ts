import { ArgumentsHost, Catch, HttpException, Inject, Injectable, Logger, forwardRef, type HttpServer } from '@nestjs/common';
import { BaseExceptionFilter, HttpAdapterHost } from '@nestjs/core';
import { DEVICE_GRANT_OPTIONS } from '../device-grant.tokens.js';
import type { ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { ActivationPages } from '../activation/activation-pages.service.js';
import { sendPageResult } from '../activation/page-response.js';
import { InvalidRequest, MethodNotAllowed, OAuthError, ServerError } from './oauth-error.js';

/** Headers every OAuth answer carries, success or error. @see RFC 6749 §5.1 */
export const NO_STORE_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
};

/**
 * Writes an OAuth endpoint's JSON answer with the no-store headers (and any of the error's own, such
 * as `WWW-Authenticate`), on either HTTP adapter. `body` is an object to serialise or JSON text.
 */
export function replyOAuthJson(
  adapter: HttpServer,
  response: unknown,
  status: number,
  body: object | string,
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
 * Turns anything thrown on an OAuth endpoint into an RFC 6749 §5.2 JSON error, never Nest's default body.
 * Registered globally too, because body-parser failures (oversized or malformed bodies, wrong content type)
 * and unknown methods never reach a controller; requests to other paths go to Nest's default handling.
 * @see RFC 6749 §5.2
 */
@Catch()
@Injectable()
export class OAuthExceptionFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('DeviceGrant');
  private readonly oauthPaths: ReadonlySet<string>;
  private readonly pagePrefixes: string[];

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(DEVICE_GRANT_OPTIONS) options: ResolvedDeviceGrantOptions,
    @Inject(forwardRef(() => ActivationPages)) private readonly activation: ActivationPages,
  ) {
    super(adapterHost.httpAdapter);
    this.pagePrefixes = [options.routes.verification, options.routes.devices];
    const { deviceAuthorization, token, revocation, introspection } = options.routes;
    this.oauthPaths = new Set([deviceAuthorization, token, revocation, introspection]);
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return super.catch(exception, host);
    const http = host.switchToHttp();
    const request = http.getRequest();
    const adapter = this.adapterHost.httpAdapter;
    const path = String(adapter.getRequestUrl(request) ?? '').split('?')[0];
    if (!(exception instanceof OAuthError) && this.isPage(path)) return this.page(exception, host, path);
    if (!(exception instanceof OAuthError) && !this.oauthPaths.has(path)) {
      return super.catch(exception, host);
    }
    const error = this.toOAuthError(exception, path);
    replyOAuthJson(adapter, http.getResponse(), error.status, error.json, error.headers);
  }

  private isPage(path: string): boolean {
    return this.pagePrefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
  }

  /** People get a page, never JSON: 404 for unknown pages, 400 for unreadable requests, 500 otherwise. */
  private page(exception: unknown, host: ArgumentsHost, path: string): void {
    const http = host.switchToHttp();
    let status = exception instanceof HttpException ? exception.getStatus() : Number((exception as { statusCode?: unknown })?.statusCode);
    if (!(status >= 400 && status < 500)) {
      this.logger.error(`unexpected error on ${path}: ${exception instanceof Error ? exception.stack : String(exception)}`);
      status = 500;
    }
    const html = this.activation.errorPage(http.getRequest(), status);
    sendPageResult(this.adapterHost.httpAdapter, http.getResponse(), { kind: 'page', status, html });
  }

  private toOAuthError(exception: unknown, path: string): OAuthError {
    if (exception instanceof OAuthError) return exception;
    const status =
      exception instanceof HttpException
        ? exception.getStatus()
        : Number((exception as { statusCode?: unknown; status?: unknown })?.statusCode ??
            (exception as { status?: unknown })?.status);
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
