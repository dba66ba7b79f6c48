import { Controller, Get, Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DeviceGrantModule } from '../../src/device-grant.module.js';
import type { DeviceGrantRoutes } from '../../src/device-grant.options.js';
import { buildDataSourceOptions } from '../../src/persistence/data-source-options.js';
import { startOnFreshPort } from '../support/held-port.js';

export interface ObservedAppSettings {
  databaseUrl: string;
  metrics?: boolean;
  routes?: Partial<DeviceGrantRoutes>;
  /** Which of the module's routes to mount (default both). */
  observability?: { health?: boolean; metrics?: boolean };
  /** The host's own `GET /health`, as an application that has one. */
  hostHealth?: boolean;
}

@Controller('health')
class HostHealthController {
  @Get()
  health() {
    return { host: 'ok' };
  }
}

/** The module alone on a database, with its health and metrics routes configurable. */
@Module({})
export class ObservedAppModule {
  static register(issuer: string, settings: ObservedAppSettings): DynamicModule {
    return {
      module: ObservedAppModule,
      imports: [
        TypeOrmModule.forRoot({ ...buildDataSourceOptions({ url: settings.databaseUrl }), autoLoadEntities: true }),
        DeviceGrantModule.forRoot({
          issuer,
          metrics: settings.metrics,
          routes: settings.routes,
          observability: settings.observability ?? { health: true, metrics: true },
          housekeeping: { interval: 0 },
        }),
      ],
      controllers: settings.hostHealth ? [HostHealthController] : [],
    };
  }
}

export async function startObservedApp(settings: ObservedAppSettings): Promise<{ url: string; app: INestApplication }> {
  const { url, app } = await startOnFreshPort((issuer) =>
    NestFactory.create(ObservedAppModule.register(issuer, settings), new FastifyAdapter(), { logger: false }),
  );
  return { url, app };
}
