import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { tap, type Observable } from 'rxjs';
import { DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE } from '../constants.js';
import { DeviceAuthorizationController } from '../device-authorization/device-authorization.controller.js';
import { FormParams, type OAuthHttpRequest } from '../http/form-params.js';
import { OAuthError } from '../oauth-errors/oauth-error.js';
import { TokenController } from '../token/token.controller.js';
import { DeviceGrantMetrics, type IssuedGrantType } from './device-grant-metrics.service.js';

/** The raw Node response under either adapter (Fastify's reply wraps it in `raw`). */
interface RawResponse {
  statusCode: number;
  once(event: 'finish' | 'close', listener: () => void): unknown;
}

/**
 * On every controller of the module: times each request to the last byte of its answer, and counts
 * what the device authorization and token endpoints answered. Those answers are fully visible here
 * (a response or one of the OAuth error classes), so the protocol code needs no metric calls.
 */
@Injectable()
export class MetricsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: DeviceGrantMetrics) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.metrics.enabled || context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<OAuthHttpRequest & { method?: string }>();
    const reply = http.getResponse<{ raw?: RawResponse } & RawResponse>();
    const raw = reply.raw ?? reply;
    const controller = context.getClass();
    const endpoint = endpointName(controller.name);
    const started = process.hrtime.bigint();
    let observed = false;
    const observe = () => {
      if (observed) return;
      observed = true;
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.requestServed(endpoint, String(request.method ?? 'GET').toUpperCase(), raw.statusCode, seconds);
    };
    raw.once('finish', observe);
    raw.once('close', observe);

    const isToken = controller.prototype instanceof TokenController || controller === TokenController;
    const isDeviceAuthorization =
      controller.prototype instanceof DeviceAuthorizationController || controller === DeviceAuthorizationController;
    if (!isToken && !isDeviceAuthorization) return next.handle();
    return next.handle().pipe(
      tap({
        next: () => (isToken ? this.tokenAnswered(request, 'success') : this.metrics.grantOutcome('requested')),
        error: (error: unknown) => {
          if (isToken) this.tokenAnswered(request, error instanceof OAuthError ? error.error : 'server_error');
        },
      }),
    );
  }

  private tokenAnswered(request: OAuthHttpRequest, answer: string): void {
    const grantType = readGrantType(request);
    if (grantType === 'device_code') {
      this.metrics.pollAnswered(answer);
      if (answer === 'success') this.metrics.grantOutcome('redeemed');
      if (answer === 'expired_token') this.metrics.grantOutcome('expired');
    }
    if (answer === 'success' && grantType) this.metrics.tokenIssued(grantType);
  }
}

/** `DeviceAuthorizationController` → `device_authorization`: a label that stays put when routes move. */
function endpointName(controllerName: string): string {
  return controllerName
    .replace(/Controller$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

function readGrantType(request: OAuthHttpRequest): IssuedGrantType | undefined {
  let grantType: string | undefined;
  try {
    grantType = FormParams.from(request).get('grant_type');
  } catch {
    return undefined;
  }
  if (grantType === DEVICE_CODE_GRANT_TYPE) return 'device_code';
  if (grantType === REFRESH_TOKEN_GRANT_TYPE) return 'refresh_token';
  return undefined;
}
