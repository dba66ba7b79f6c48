import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectClock, type Clock } from '../clock.js';
import type { ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { InjectDeviceGrantOptions } from '../device-grant.module-definition.js';
import { InjectDeviceGrantStore, type DeviceGrantStore } from '../persistence/device-grant-store.js';
import type { PurgeReport } from '../persistence/records.js';

export type { PurgeReport };

/**
 * Purges what no longer matters, in small batches on a schedule: expired or finished device grants
 * (kept while their device still holds live tokens), expired refresh and access tokens, and stale
 * brute-force counters (see `StoreMaintenance.purge`), on a schedule.
 */
@Injectable()
export class HousekeepingService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('DeviceGrantHousekeeping');
  private timer?: NodeJS.Timeout;
  private running?: Promise<PurgeReport>;

  constructor(
    @InjectDeviceGrantStore() private readonly store: DeviceGrantStore,
    @InjectDeviceGrantOptions() private readonly options: ResolvedDeviceGrantOptions,
    @InjectClock() private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.options.housekeeping.interval;
    if (interval <= 0) return;
    this.timer = setInterval(() => {
      this.purge().catch((error: unknown) => this.logger.warn(`housekeeping failed: ${(error as Error).message}`));
    }, interval * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One run; concurrent calls in this process share it. */
  purge(): Promise<PurgeReport> {
    this.running ??= this.purgeAll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async purgeAll(): Promise<PurgeReport> {
    const now = this.clock.now();
    const { retention, batchSize } = this.options.housekeeping;
    const report = await this.store.maintenance.purge({ now, cutoff: now - retention * 1000, batchSize });
    if (Object.values(report).some((count) => count > 0)) this.logger.log(`purged ${JSON.stringify(report)}`);
    return report;
  }
}
