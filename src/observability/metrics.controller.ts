import { Get, Header, Inject, NotFoundException } from '@nestjs/common';
import { Registry } from 'prom-client';
import { DeviceGrantMetrics } from './device-grant-metrics.service.js';

/**
 * `GET /metrics` (path configurable): the module's metrics in Prometheus text format; 404 when the
 * `metrics` option is off. Mounted by `DeviceGrantModule`.
 */
export class MetricsController {
  constructor(@Inject(DeviceGrantMetrics) private readonly metrics: DeviceGrantMetrics) {}

  @Get()
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  scrape(): Promise<string> {
    if (!this.metrics.enabled) throw new NotFoundException();
    return this.metrics.render();
  }
}
