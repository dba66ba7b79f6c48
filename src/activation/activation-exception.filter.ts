import { ArgumentsHost, Catch, Injectable, Logger, type ExceptionFilter } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { exceptionStatus } from '../oauth-errors/exception-status.js';
import { ActivationPages } from './activation-pages.service.js';
import type { PageRequest } from './page-request.js';
import { sendPageResult } from './page-response.js';

/**
 * Turns anything thrown on the activation and devices pages into an error page in the visitor's
 * language: the status of what the visitor sent (404 for an unknown page, 4xx for an unreadable form),
 * 500 for anything else (logged); never JSON, never a stack. The page controllers apply it with
 * `@UseFilters`; what fails before their handlers reaches it through `BeforeHandlerErrors`.
 */
@Catch()
@Injectable()
export class ActivationExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('DeviceGrant');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly pages: ActivationPages,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    this.reply(exception, http.getRequest(), http.getResponse());
  }

  /** Answers `exception` with the error page on the adapter's `response`. */
  reply(exception: unknown, request: PageRequest, response: unknown): void {
    const adapter = this.adapterHost.httpAdapter;
    let status = exceptionStatus(exception);
    if (!(status >= 400 && status < 500)) {
      const path = String(adapter.getRequestUrl(request) ?? '').split('?')[0];
      this.logger.error(`unexpected error on ${path}: ${exception instanceof Error ? exception.stack : String(exception)}`);
      status = 500;
    }
    sendPageResult(adapter, response, { kind: 'page', status, html: this.pages.errorPage(request, status) });
  }
}
