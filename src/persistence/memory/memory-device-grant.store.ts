import type { DeviceGrantStore } from '../device-grant-store.js';
import { MemoryClients } from './client.store.js';
import { MemoryGrants } from './grant.store.js';
import { emptyMemoryData } from './memory-data.js';
import { MemoryAccessTokens, MemoryRefreshTokens } from './token.stores.js';
import { MemorySecrets, MemorySigningKeys } from './key.stores.js';
import { MemorySignIns } from './sign-in.store.js';
import { MemoryMaintenance } from './maintenance.store.js';
import { MemoryRateLimits } from './rate-limit.store.js';

/**
 * The store contract in process memory, for unit specs: every rule as the TypeORM store keeps it, on
 * plain maps, answered synchronously behind promises. Nothing survives the process and nothing is
 * shared between instances, so it is not offered to applications. `data` is there for specs to look at.
 */
export class MemoryDeviceGrantStore implements DeviceGrantStore {
  readonly data = emptyMemoryData();
  readonly grants = new MemoryGrants(this.data);
  readonly clients = new MemoryClients(this.data);
  readonly refreshTokens = new MemoryRefreshTokens(this.data);
  readonly accessTokens = new MemoryAccessTokens(this.data);
  readonly rateLimits = new MemoryRateLimits(this.data);
  readonly signingKeys = new MemorySigningKeys(this.data);
  readonly secrets = new MemorySecrets(this.data);
  readonly signIns = new MemorySignIns(this.data);
  readonly maintenance = new MemoryMaintenance(this.data);
}
