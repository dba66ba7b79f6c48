import { Module, type DynamicModule } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Clock } from '../clock.js';
import type { KeyEncryptionOptions } from '../crypto/key-encryption.js';
import { randomToken } from '../crypto/secrets.js';
import type { LimitsOptions } from '../limits/limits.options.js';
import { DeviceGrantModule } from '../device-grant.module.js';
import { DEFAULT_SCOPES } from '../device-grant.options.js';
import { buildDataSourceOptions } from '../persistence/data-source-options.js';
import { DeviceGrantResourceModule } from '../resource/device-grant-resource.module.js';
import { ConnectionDrainService } from '../shutdown/connection-drain.service.js';
import { DemoApiController } from './demo-api.controller.js';
import { DEMO_LOCAL_STRATEGY, DemoLocalStrategy } from './demo-local.strategy.js';
import { DEMO_CREDENTIALS, DemoSeedService } from './demo-seed.service.js';
import { DemoUsersService } from './demo-users.service.js';
import { DemoEventLogService } from './demo-event-log.service.js';
import { DemoUsers1764000000100 } from './demo-schema.migration.js';
import { DemoUserEntity } from './demo-user.entity.js';

/** How the demo server is configured (from the environment in `main.ts`, directly in tests). */
export interface DemoConfig {
  issuer: string;
  /** `sqlite:PATH`, `sqlite::memory:` or `postgres://...`; default the SQLite file `data/device-grant.sqlite`. */
  databaseUrl?: string;
  clock?: Clock;
  /** Seconds between polls (default 5); scale-out tests shorten it. */
  pollingInterval?: number;
  /** Limits other than the module's defaults (tests that issue hundreds of codes from one address lift the rates). */
  limits?: LimitsOptions;
  /** The key-encryption key (see `keyEncryptionFromEnv`); required on PostgreSQL. */
  keyEncryption?: KeyEncryptionOptions;
  /** Seconds the demo's API uses a fetched key set: how long a revoked signing key's tokens still pass. Default 60. */
  jwksCacheMaxAge?: number;
  /** The bearer token `GET /metrics` requires (`METRICS_TOKEN`). Default: a random one nobody knows, so nobody scrapes. */
  metricsToken?: string;
}

/** The scopes the demo server knows (the admin CLI checks new clients' scopes against them). */
export const DEMO_SCOPES: Record<string, string> = { ...DEFAULT_SCOPES, 'telemetry:write': 'Send measurements from the device' };

/** The demo server: the module on a database, with demo clients and a demo user. */
@Module({})
export class DemoAppModule {
  static register(config: DemoConfig): DynamicModule {
    return {
      module: DemoAppModule,
      imports: [
        EventEmitterModule.forRoot({ wildcard: true, delimiter: '.' }),
        TypeOrmModule.forRoot({
          ...buildDataSourceOptions({
            url: config.databaseUrl,
            entities: [DemoUserEntity],
            migrations: [DemoUsers1764000000100],
          }),
          autoLoadEntities: true,
        }),
        TypeOrmModule.forFeature([DemoUserEntity]),
        DeviceGrantModule.forRoot({
          // The demo serves its health (load balancers, the tests) and its metrics (behind METRICS_TOKEN).
          observability: { health: true, metrics: true },
          issuer: config.issuer,
          scopes: DEMO_SCOPES,
          clock: config.clock,
          pollingInterval: config.pollingInterval,
          limits: config.limits,
          keyEncryption: config.keyEncryption,
          metricsToken: config.metricsToken ?? randomToken(),
          introspectionClients: [DEMO_CREDENTIALS.resourceServerClientId],
          activation: { passportStrategy: DEMO_LOCAL_STRATEGY },
        }),
        // The demo's own API accepts the tokens it issues, as any separate resource server would.
        // The API runs beside the authorization server: a revoked token is refused within a second.
        DeviceGrantResourceModule.forRoot({ issuer: config.issuer, clock: config.clock, jwksCacheMaxAge: config.jwksCacheMaxAge ?? 60, localRevocationCheck: true }),
      ],
      controllers: [DemoApiController],
      providers: [DemoSeedService, DemoUsersService, DemoLocalStrategy, ConnectionDrainService, DemoEventLogService],
    };
  }
}
