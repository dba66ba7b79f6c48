import { Injectable, MethodNotAllowedException, NotFoundException, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ActivationExceptionFilter } from './activation/activation-exception.filter.js';
import type { ResolvedDeviceGrantOptions } from './device-grant.options.js';
import { InjectDeviceGrantOptions } from './device-grant.module-definition.js';
import { OAuthExceptionFilter } from './oauth-errors/oauth-exception.filter.js';

/** How a filter answers an exception on a request, outside Nest's exception zone. */
type Answer = (exception: unknown, request: any, response: any) => void;

/** The part of a Fastify instance used here. */
interface FastifyLike {
  addHook(name: 'onRoute', hook: (route: { url: string; errorHandler?: unknown }) => void): unknown;
  route(route: { method: string[]; url: string; handler: (request: unknown, reply: unknown) => void }): unknown;
}

/** The part of an Express application used here. */
interface ExpressLike {
  use(path: string, handler: (...args: any[]) => void): unknown;
}

/** Methods other than POST that an OAuth endpoint answers with 405 (HEAD comes with GET on both adapters). */
const NOT_POST = ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
/** Methods no page answers (GET and POST have handlers). */
const NOT_PAGE = ['PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * Answers what never reaches a handler of the module: a body the HTTP framework cannot parse (too
 * large, malformed, an unknown content type), another method than POST on an OAuth endpoint, a page
 * path that does not exist. Nest hands those to global filters only, and the module registers none
 * (an `APP_FILTER` would take over the host application's errors as well); so this hooks the module's
 * own paths on the HTTP adapter and gives each error to the filter of the controllers the request was
 * meant for: RFC 6749 §5.2 JSON on the OAuth endpoints, an error page under the pages.
 *
 * - Fastify: the module's routes get a route-level `errorHandler` (from an `onRoute` hook, added
 *   before Nest registers its routes), and routes of their own answer the other methods and paths.
 * - Express: error-handling middleware on the module's paths, and fallbacks for the other methods
 *   and paths, added after Nest's routes and before its own not-found and error handlers (Nest
 *   installs those after `onModuleInit`).
 *
 * Paths are matched as configured in `routes`: under a global prefix, Nest's default handling answers.
 */
@Injectable()
export class BeforeHandlerErrors implements OnModuleInit {
  private readonly oauthPaths: string[];
  private readonly pagePaths: string[];
  private readonly oauth: Answer;
  private readonly page: Answer;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @InjectDeviceGrantOptions() options: ResolvedDeviceGrantOptions,
    oauthFilter: OAuthExceptionFilter,
    pageFilter: ActivationExceptionFilter,
  ) {
    const { deviceAuthorization, token, revocation, introspection, verification, devices } = options.routes;
    this.oauthPaths = [deviceAuthorization, token, revocation, introspection];
    this.pagePaths = [verification, devices];
    this.oauth = (exception, request, response) => oauthFilter.reply(exception, request, response);
    this.page = (exception, request, response) => pageFilter.reply(exception, request, response);
    // Before Nest registers its routes (in `init()`), so that the hook sees them.
    if (this.adapterType() === 'fastify') this.hookFastify(this.adapterHost.httpAdapter.getInstance<FastifyLike>());
  }

  onModuleInit(): void {
    if (this.adapterType() === 'express') this.hookExpress(this.adapterHost.httpAdapter.getInstance<ExpressLike>());
  }

  private hookFastify(fastify: FastifyLike): void {
    fastify.addHook('onRoute', (route) => {
      const answer = this.answerFor(route.url);
      if (answer && route.errorHandler === undefined) route.errorHandler = answer;
    });
    const methodNotAllowed = (request: unknown, reply: unknown) => this.oauth(new MethodNotAllowedException(), request, reply);
    const notFound = (request: unknown, reply: unknown) => this.page(new NotFoundException(), request, reply);
    for (const path of this.oauthPaths) fastify.route({ method: NOT_POST, url: path, handler: methodNotAllowed });
    for (const path of this.pagePaths) {
      fastify.route({ method: NOT_PAGE, url: path, handler: notFound });
      fastify.route({ method: ['GET', 'POST', ...NOT_PAGE], url: `${path}/*`, handler: notFound });
    }
  }

  private hookExpress(app: ExpressLike): void {
    for (const path of this.oauthPaths) {
      // `use` matches the path's subpaths too; those are not OAuth endpoints.
      const exact = (request: unknown) => this.pathOf(request) === path;
      app.use(path, (request: unknown, response: unknown, next: () => void) =>
        exact(request) ? this.oauth(new MethodNotAllowedException(), request, response) : next(),
      );
      app.use(path, (error: unknown, request: unknown, response: { headersSent?: boolean }, next: (error: unknown) => void) =>
        exact(request) && !response.headersSent ? this.oauth(error, request, response) : next(error),
      );
    }
    for (const path of this.pagePaths) {
      app.use(path, (request: unknown, response: unknown) => this.page(new NotFoundException(), request, response));
      app.use(path, (error: unknown, request: unknown, response: { headersSent?: boolean }, next: (error: unknown) => void) =>
        response.headersSent ? next(error) : this.page(error, request, response),
      );
    }
  }

  private answerFor(url: string): Answer | undefined {
    if (this.oauthPaths.includes(url)) return this.oauth;
    if (this.pagePaths.some((path) => url === path || url.startsWith(`${path}/`))) return this.page;
    return undefined;
  }

  private pathOf(request: unknown): string {
    return String(this.adapterHost.httpAdapter.getRequestUrl(request) ?? '').split('?')[0];
  }

  /** `fastify`, `express`, or undefined (no HTTP server, e.g. an application context). */
  private adapterType(): string | undefined {
    return this.adapterHost.httpAdapter?.getType();
  }
}
