import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClientService } from '../clients/client.service.js';
import { CLOCK, systemClock } from '../clock.js';
import { resolveOptions, type DeviceGrantModuleOptions } from '../device-grant.options.js';
import { DEVICE_GRANT_OPTIONS } from '../device-grant.module-definition.js';
import { buildDataSourceOptions } from '../persistence/data-source-options.js';
import { TYPEORM_DEVICE_GRANT_STORE } from '../persistence/typeorm/typeorm-device-grant.store.js';
import { SessionService } from '../activation/session.service.js';
import { KeyVault } from '../crypto/key-vault.service.js';
import { SigningKeyService } from '../tokens/signing-key.service.js';
import { ClientAdminService } from './client-admin.service.js';

/** What the admin commands need to know of the server they administer. */
export interface DeviceGrantAdminConfig {
  /** The server's module options (its issuer and scopes: `clients add` checks scopes against them). */
  options: DeviceGrantModuleOptions;
  /** The server's database (see `DatabaseSettings.url`); default the SQLite file `data/device-grant.sqlite`. */
  databaseUrl?: string;
}

/**
 * The services the admin commands use (clients and signing keys) on the server's database, and
 * nothing else: no HTTP, no pages, no schedules, no demo. The `admin` CLI boots it.
 */
@Module({})
export class DeviceGrantAdminModule {
  static forRoot(config: DeviceGrantAdminConfig): DynamicModule {
    return {
      module: DeviceGrantAdminModule,
      imports: [TypeOrmModule.forRoot(buildDataSourceOptions({ url: config.databaseUrl }))],
      providers: [
        { provide: DEVICE_GRANT_OPTIONS, useValue: resolveOptions(config.options) },
        { provide: CLOCK, useValue: config.options.clock ?? systemClock },
        TYPEORM_DEVICE_GRANT_STORE,
        ClientService,
        ClientAdminService,
        SigningKeyService,
        KeyVault,
        SessionService,
      ],
      exports: [ClientAdminService, SigningKeyService, KeyVault, SessionService],
    };
  }
}
