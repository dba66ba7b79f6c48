import { Injectable } from '@nestjs/common';
import { InjectDeviceGrantStore, type DeviceGrantStore } from '../persistence/device-grant-store.js';

/** A database that has not answered `SELECT 1` within this many milliseconds counts as down. */
const DATABASE_TIMEOUT_MS = 2_000;

/** Whether this instance can serve: its database answers a trivial query in time. */
@Injectable()
export class HealthService {
  constructor(@InjectDeviceGrantStore() private readonly store: DeviceGrantStore) {}

  databaseUp(): Promise<boolean> {
    return this.store.maintenance.ping(DATABASE_TIMEOUT_MS);
  }
}
