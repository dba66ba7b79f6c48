import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { ActivationUser } from '../../src/activation/activation.options.js';
import { DeviceGrantModule } from '../../src/device-grant.module.js';
import { buildDataSourceOptions } from '../../src/persistence/data-source-options.js';

/** Configuration handed to the module through `forRootAsync`, as an application's config service would. */
export class TestConfig {
  constructor(readonly issuer: string, readonly databaseUrl: string) {}
}

/** The application's own notion of who is signed in: a header stands in for its session. */
export function resolveUser(request: unknown): ActivationUser | null {
  const header = (request as { headers: Record<string, string | undefined> }).headers['x-test-user'];
  return header ? { id: header, name: header.toUpperCase() } : null;
}

/** An app that owns its users: no passport strategy, its own sign-in page, its own strings and one page of its own. */
export function createAppModule(config: TestConfig) {
  @Module({ providers: [{ provide: TestConfig, useValue: config }], exports: [TestConfig] })
  class ConfigModule {}

  @Module({
    imports: [
      TypeOrmModule.forRoot({ ...buildDataSourceOptions({ url: config.databaseUrl }), autoLoadEntities: true }),
      DeviceGrantModule.forRootAsync({
        imports: [ConfigModule],
        inject: [TestConfig],
        routes: { verification: '/pair' },
        useFactory: (settings: TestConfig) => ({
          issuer: settings.issuer,
          activation: {
            resolveUser,
            signInUrl: '/login',
            messages: { en: { enterCodeHeading: 'Pair your gadget' }, de: { enterCodeHeading: 'Gerät verbinden', lang: 'de' } },
            renderers: { done: (view) => `<!doctype html><title>done</title><p id="custom">custom ${view.approved ? 'approved' : 'denied'}</p>` },
          },
        }),
      }),
    ],
  })
  class AppModule {}

  return AppModule;
}
