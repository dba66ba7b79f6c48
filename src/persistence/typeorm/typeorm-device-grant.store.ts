import type { FactoryProvider } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DEVICE_GRANT_STORE, type DeviceGrantStore } from '../device-grant-store.js';
import { TypeOrmClientStore } from './client.store.js';
import { TypeOrmGrantStore } from './grant.store.js';
import { TypeOrmServerSecretStore, TypeOrmSigningKeyStore } from './key.stores.js';
import { TypeOrmMaintenance } from './maintenance.store.js';
import { TypeOrmRateLimitStore } from './rate-limit.store.js';
import { TypeOrmSignInStore } from './sign-in.store.js';
import { sqlRunnerFor } from './sql-runner.js';
import { TypeOrmAccessTokenStore, TypeOrmRefreshTokenStore } from './token.stores.js';

/**
 * The store that ships: SQLite (one box) or PostgreSQL (several instances) through a TypeORM data
 * source with the module's entities and migrations. It owns every statement the kit runs: the hot
 * paths (polls, issuance, rotation, token records) as fixed SQL straight on the driver, in batches
 * where requests arrive together; the rest through TypeORM's repositories.
 */
export class TypeOrmDeviceGrantStore implements DeviceGrantStore {
  readonly grants: TypeOrmGrantStore;
  readonly clients: TypeOrmClientStore;
  readonly refreshTokens: TypeOrmRefreshTokenStore;
  readonly accessTokens: TypeOrmAccessTokenStore;
  readonly rateLimits: TypeOrmRateLimitStore;
  readonly signingKeys: TypeOrmSigningKeyStore;
  readonly secrets: TypeOrmServerSecretStore;
  readonly signIns: TypeOrmSignInStore;
  readonly maintenance: TypeOrmMaintenance;

  /** @param dataSource an initialised data source (see `buildDataSourceOptions`). */
  constructor(dataSource: DataSource) {
    const runner = sqlRunnerFor(dataSource);
    this.refreshTokens = new TypeOrmRefreshTokenStore(runner);
    this.accessTokens = new TypeOrmAccessTokenStore(runner);
    this.grants = new TypeOrmGrantStore(dataSource, runner, this.refreshTokens);
    this.clients = new TypeOrmClientStore(dataSource);
    this.rateLimits = new TypeOrmRateLimitStore(runner);
    this.signingKeys = new TypeOrmSigningKeyStore(dataSource);
    this.secrets = new TypeOrmServerSecretStore(dataSource);
    this.signIns = new TypeOrmSignInStore(dataSource);
    this.maintenance = new TypeOrmMaintenance(dataSource);
  }
}

/** `DEVICE_GRANT_STORE` as the TypeORM store on the application's default data source. */
export const TYPEORM_DEVICE_GRANT_STORE: FactoryProvider<DeviceGrantStore> = {
  provide: DEVICE_GRANT_STORE,
  useFactory: (dataSource: DataSource) => new TypeOrmDeviceGrantStore(dataSource),
  inject: [getDataSourceToken()],
};
