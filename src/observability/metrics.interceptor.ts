import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { DeviceGrantMetrics } from './device-grant-metrics.service.js';

/** The raw Node response under either adapter (Fastify's reply wraps it in `raw`). */
interface RawResponse {
  statusCode: number;
  once(event: 'finish' | 'close', listener: () => void): unknown;
}

/** Metric labels by controller class, derived once. */
const ENDPOINT_NAMES = new WeakMap<object, string>();

/**
 * On the module's pages and documents (the OAuth endpoints time their answers in `OAuthResponder`):
 * times each request to the last byte of its answer.
 */
@Injectable()
export class MetricsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: DeviceGrantMetrics) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.metrics.enabled || context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<{ method?: string }>();
    const reply = http.getResponse<{ raw?: RawResponse } & RawResponse>();
    const raw = reply.raw ?? reply;
    const endpoint = endpointName(context.getClass());
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
    return next.handle();
  }
}

/** `DevicesController` → `devices`, `JwksController` → `jwks`: a label that stays put when routes move. */
function endpointName(controller: { name: string }): string {
  let name = ENDPOINT_NAMES.get(controller);
  if (name === undefined) {
    name = controller.name
      .replace(/Controller$/, '')
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .toLowerCase();
    ENDPOINT_NAMES.set(controller, name);
  }
  return name;
}
