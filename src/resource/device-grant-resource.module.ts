import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { AuthorizationServerMetadataService } from './authorization-server-metadata.service.js';
import { DeviceGrantAuthGuard } from './device-grant-auth.guard.js';
import { DeviceGrantJwtStrategy } from './device-grant-jwt.strategy.js';
import {
  ConfigurableDeviceGrantResourceModule,
  DEVICE_GRANT_RESOURCE_ASYNC_OPTIONS_TYPE,
  DEVICE_GRANT_RESOURCE_MODULE_OPTIONS,
  DEVICE_GRANT_RESOURCE_OPTIONS,
  DEVICE_GRANT_RESOURCE_OPTIONS_TYPE,
} from './device-grant-resource.module-definition.js';
import { resolveResourceOptions, type DeviceGrantResourceOptions } from './device-grant-resource.options.js';
import { DeviceGrantTokenVerifier } from './device-grant-token.verifier.js';
import { RevocationCheckService } from './revocation-check.service.js';

/**
 * For resource servers: accept this kit's access tokens with one guard. Needs only the issuer URL
 * (no database, no `DeviceGrantModule`), so it fits a separate API process as well as the
 * authorization server's own app.
 *
 * @example
 * DeviceGrantResourceModule.forRoot({ issuer: 'https://auth.example.com', audience: 'https://api.example.com' })
 * // then: @UseGuards(DeviceGrantAuthGuard) @RequireScopes('telemetry:write')
 * @see RFC 6750, RFC 9068 §4
 */
@Module({})
export class DeviceGrantResourceModule extends ConfigurableDeviceGrantResourceModule {
  static override forRoot(options: typeof DEVICE_GRANT_RESOURCE_OPTIONS_TYPE): DynamicModule {
    return DeviceGrantResourceModule.assemble(super.forRoot(options));
  }

  static override forRootAsync(options: typeof DEVICE_GRANT_RESOURCE_ASYNC_OPTIONS_TYPE): DynamicModule {
    return DeviceGrantResourceModule.assemble(super.forRootAsync(options));
  }

  private static assemble(definition: DynamicModule): DynamicModule {
    const providers: Provider[] = [
      {
        provide: DEVICE_GRANT_RESOURCE_OPTIONS,
        useFactory: (options: DeviceGrantResourceOptions) => resolveResourceOptions(options),
        inject: [DEVICE_GRANT_RESOURCE_MODULE_OPTIONS],
      },
      AuthorizationServerMetadataService,
      RevocationCheckService,
      DeviceGrantTokenVerifier,
      DeviceGrantJwtStrategy,
      DeviceGrantAuthGuard,
    ];
    return {
      ...definition,
      providers: [...(definition.providers ?? []), ...providers],
      exports: [DEVICE_GRANT_RESOURCE_OPTIONS, DeviceGrantTokenVerifier, DeviceGrantJwtStrategy, DeviceGrantAuthGuard],
    };
  }
}
