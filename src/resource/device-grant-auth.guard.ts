import { HttpException, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { HttpAdapterHost, Reflector } from '@nestjs/core';
import { splitScope } from '../scopes/scope.js';
import { BearerError, InsufficientScope, bearerChallenge, bearerErrorBody } from './bearer-errors.js';
import type { ResolvedDeviceGrantResourceOptions } from './device-grant-resource.options.js';
import { InjectDeviceGrantResourceOptions } from './device-grant-resource.module-definition.js';
import { DeviceGrantJwtStrategy } from './device-grant-jwt.strategy.js';
import type { DeviceGrantPrincipal } from './device-grant-principal.js';
import { REQUIRED_SCOPES } from './require-scopes.decorator.js';

type Outcome = { principal: DeviceGrantPrincipal } | { refusal: unknown; status?: number };

/**
 * Lets a request through with a valid access token carrying every `@RequireScopes` scope, and puts
 * the principal on `request.user`. Refusals follow RFC 6750 §3: 401 with a `WWW-Authenticate: Bearer`
 * challenge (with `error="invalid_token"`, or no error when there were no credentials), 403
 * `insufficient_scope` with the `scope` needed, 400 `invalid_request` for malformed credentials.
 *
 * It runs this module's own `DeviceGrantJwtStrategy` instance the way passport does, rather than
 * looking the name up in passport's process-wide registry: two applications in one process (tests,
 * several issuers) each keep their own settings.
 * @see RFC 6750 §3, RFC 9068 §4
 */
@Injectable()
export class DeviceGrantAuthGuard implements CanActivate {
  /** `@RequireScopes` of each handler, by controller class: decorators are read once, not per request. */
  private readonly requiredScopes = new WeakMap<Function, WeakMap<Function, readonly string[]>>();

  constructor(
    private readonly strategy: DeviceGrantJwtStrategy,
    private readonly reflector: Reflector,
    private readonly adapterHost: HttpAdapterHost,
    @InjectDeviceGrantResourceOptions() private readonly options: ResolvedDeviceGrantResourceOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<{ user?: DeviceGrantPrincipal }>();
    const outcome = await this.authenticate(request);
    if (!('principal' in outcome)) {
      if (outcome.refusal instanceof BearerError) throw this.refuse(http.getResponse(), outcome.refusal);
      throw new HttpException({ error_description: 'authentication failed' }, outcome.status ?? 401);
    }
    request.user = outcome.principal;
    const required = this.scopesRequiredBy(context);
    if (required.length === 0) return true;
    const granted = splitScope(outcome.principal.scope);
    if (required.some((scope) => !granted.includes(scope))) {
      throw this.refuse(http.getResponse(), new InsufficientScope([...new Set(required)]));
    }
    return true;
  }

  private scopesRequiredBy(context: ExecutionContext): readonly string[] {
    const handler = context.getHandler();
    const controller = context.getClass();
    let byClass = this.requiredScopes.get(handler);
    if (!byClass) this.requiredScopes.set(handler, (byClass = new WeakMap()));
    let required = byClass.get(controller);
    if (!required) {
      required = this.reflector.getAllAndMerge<string[]>(REQUIRED_SCOPES, [handler, controller]) ?? [];
      byClass.set(controller, required);
    }
    return required;
  }

  /** One passport authentication attempt with this module's strategy. */
  private authenticate(request: unknown): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      const attempt = Object.create(this.strategy) as DeviceGrantJwtStrategy & Record<string, unknown>;
      attempt.success = (principal: DeviceGrantPrincipal) => resolve({ principal });
      attempt.fail = (refusal: unknown, status?: number) =>
        resolve({ refusal: typeof refusal === 'number' ? undefined : refusal, status: typeof refusal === 'number' ? refusal : status });
      attempt.error = reject;
      attempt.pass = () => resolve({ refusal: undefined });
      attempt.redirect = () => reject(new Error('the bearer strategy does not redirect'));
      try {
        attempt.authenticate(request as never);
      } catch (error) {
        reject(error);
      }
    });
  }

  /** Sets the challenge header and builds the exception Nest's filters answer with. */
  private refuse(response: unknown, error: BearerError): HttpException {
    this.adapterHost.httpAdapter.setHeader(response, 'WWW-Authenticate', bearerChallenge(this.options.realm, error));
    return new HttpException(bearerErrorBody(error), error.status);
  }
}
