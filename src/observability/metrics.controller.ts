import { Get, Header, HttpException, Inject, NotFoundException, Req, Res } from '@nestjs/common';
import { Registry } from 'prom-client';
import { safeEqual } from '../crypto/secrets.js';
import type { ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { InjectDeviceGrantOptions } from '../device-grant.module-definition.js';
import { DeviceGrantMetrics } from './device-grant-metrics.service.js';

/** Either adapter's response, for the one header a refusal sets. */
interface HeaderSetter {
  header(name: string, value: string): unknown;
}

/**
 * `GET /metrics` (path configurable): the module's metrics in Prometheus text format; 404 when the
 * `metrics` option is off. With `metricsToken`, only a request carrying `Authorization: Bearer <token>`
 * is answered (401 otherwise). Mounted by `DeviceGrantModule`.
 */
export class MetricsController {
  constructor(
    @Inject(DeviceGrantMetrics) private readonly metrics: DeviceGrantMetrics,
    @InjectDeviceGrantOptions() private readonly options: ResolvedDeviceGrantOptions,
  ) {}

  @Get()
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  scrape(
    @Req() request: { headers: Record<string, string | string[] | undefined> },
    @Res({ passthrough: true }) response: HeaderSetter,
  ): Promise<string> {
    if (!this.metrics.enabled) throw new NotFoundException();
    const token = this.options.metricsToken;
    if (token !== undefined) {
      const presented = /^Bearer (\S+)$/i.exec(String(request.headers.authorization ?? ''))?.[1] ?? '';
      if (!safeEqual(presented, token)) {
        response.header('WWW-Authenticate', 'Bearer realm="metrics"');
        throw new HttpException('metrics need the bearer token configured as metricsToken', 401);
      }
    }
    return this.metrics.render();
  }
}
