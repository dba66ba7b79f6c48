import { Get, Header, Inject, ServiceUnavailableException } from '@nestjs/common';
import { HealthService } from './health.service.js';

/** The health answer; nothing about the failure leaves the server. */
export interface HealthStatus {
  status: 'ok' | 'error';
}

/**
 * `GET /health` (path configurable): 200 `{"status":"ok"}` when the database answers, 503
 * `{"status":"error"}` otherwise. For load balancers and orchestrators. Mounted by `DeviceGrantModule`.
 */
export class HealthController {
  constructor(@Inject(HealthService) private readonly health: HealthService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async check(): Promise<HealthStatus> {
    if (await this.health.databaseUp()) return { status: 'ok' };
    throw new ServiceUnavailableException({ status: 'error' } satisfies HealthStatus);
  }
}
