import { Controller, Module, UseInterceptors, type DynamicModule, type Provider, type Type } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ActivationController } from './activation/activation.controller.js';
import { ActivationExceptionFilter } from './activation/activation-exception.filter.js';
import { DevicesController } from './activation/devices.controller.js';
import { ClientAdminService } from './admin/client-admin.service.js';
import { ActivationFlowService } from './activation/activation-flow.service.js';
import { ActivationPages } from './activation/activation-pages.service.js';
import { DevicesPageService } from './activation/devices-page.service.js';
import { SignInService } from './activation/sign-in.service.js';
import { RateLimitService } from './limits/rate-limit.service.js';
import { KeyVault } from './crypto/key-vault.service.js';
import { AccessTokenRevocations } from './revocation/access-token-revocations.js';
import { DEVICE_GRANT_TOKEN_REVOCATIONS } from './resource/token-revocations.js';
import { SessionService } from './activation/session.service.js';
import { CLOCK, systemClock } from './clock.js';
import { DeviceGrantEvents } from './events/device-grant-events.service.js';
import { HousekeepingService } from './housekeeping/housekeeping.service.js';
import { ClientService } from './clients/client.service.js';
import { DeviceAuthorizationController } from './device-authorization/device-authorization.controller.js';
import { DeviceAuthorizationService } from './device-authorization/device-authorization.service.js';
import {
  ConfigurableDeviceGrantModule,
  DEVICE_GRANT_ASYNC_OPTIONS_TYPE,
  DEVICE_GRANT_MODULE_OPTIONS,
  DEVICE_GRANT_OPTIONS,
  DEVICE_GRANT_OPTIONS_TYPE,
  type DeviceGrantModuleExtras,
} from './device-grant.module-definition.js';
import { resolveOptions, resolveRoutes, type DeviceGrantModuleOptions, type DeviceGrantRoutes } from './device-grant.options.js';
import { DeviceGrantService } from './grants/device-grant.service.js';
import { GrantManagementService } from './grants/grant-management.service.js';
import { BeforeHandlerErrors } from './before-handler-errors.js';
import { OAuthResponder } from './http/oauth-responder.js';
import { IntrospectionController } from './introspection/introspection.controller.js';
import { IntrospectionService } from './introspection/introspection.service.js';
import { MetadataController } from './metadata/metadata.controller.js';
import { DeviceGrantMetrics } from './observability/device-grant-metrics.service.js';
import { HealthController } from './observability/health.controller.js';
import { HealthService } from './observability/health.service.js';
import { MetricsController } from './observability/metrics.controller.js';
import { MetricsInterceptor } from './observability/metrics.interceptor.js';
import { MetricsListener } from './observability/metrics.listener.js';
import { OAuthExceptionFilter } from './oauth-errors/oauth-exception.filter.js';
import { DEVICE_GRANT_STORE } from './persistence/device-grant-store.js';
import { DEVICE_GRANT_ENTITIES } from './persistence/entities/index.js';
import { TYPEORM_DEVICE_GRANT_STORE } from './persistence/typeorm/typeorm-device-grant.store.js';
import { RevocationController } from './revocation/revocation.controller.js';
import { RevocationService } from './revocation/revocation.service.js';
import { DeviceCodeGrant } from './token/device-code.grant.js';
import { RefreshTokenGrant } from './token/refresh-token.grant.js';
import { TokenController } from './token/token.controller.js';
import { TokenService } from './token/token.service.js';
import { AccessTokenService } from './tokens/access-token.service.js';
import { JwksController } from './tokens/jwks.controller.js';
import { RefreshTokenService } from './tokens/refresh-token.service.js';
import { SigningKeyService } from './tokens/signing-key.service.js';
import { TokenIssuerService } from './tokens/token-issuer.service.js';

const ROUTES = Symbol('DEVICE_GRANT_ROUTES');

/** A controller class mounted at `path`; a subclass per module, so two apps in one process can differ. */
function mountAt<T extends Type>(base: T, path: string): T {
  const mounted = { [base.name]: class extends base {} }[base.name];
  Controller(path)(mounted);
  return mounted;
}

/**
 * An OAuth endpoint: it answers, and times its answers, through `OAuthResponder`. Without an
 * interceptor Nest runs its handler without wrapping it in an observable (the poll's hot path).
 */
const oauthEndpoint = mountAt;

/** A page or document endpoint, timed by `MetricsInterceptor`. */
function timedEndpoint<T extends Type>(base: T, path: string): T {
  const mounted = mountAt(base, path);
  UseInterceptors(MetricsInterceptor)(mounted);
  return mounted;
}

/**
 * The device authorization grant as a Nest module: device authorization and token endpoints,
 * metadata, JWKS, and the services behind them. Needs a TypeORM data source with the module's
 * entities and migrations (`buildDataSourceOptions()` gives one).
 *
 * @example
 * DeviceGrantModule.forRoot({ issuer: 'https://auth.example.com' })
 * DeviceGrantModule.forRootAsync({ useFactory: (config) => ({ issuer: config.issuer }), inject: [Config] })
 * @see RFC 8628
 */
@Module({})
export class DeviceGrantModule extends ConfigurableDeviceGrantModule {
  static override forRoot(options: typeof DEVICE_GRANT_OPTIONS_TYPE): DynamicModule {
    return DeviceGrantModule.assemble(super.forRoot(options), options.routes, options.observability);
  }

  static override forRootAsync(options: typeof DEVICE_GRANT_ASYNC_OPTIONS_TYPE): DynamicModule {
    return DeviceGrantModule.assemble(super.forRootAsync(options), options.routes, options.observability);
  }

  private static assemble(
    definition: DynamicModule,
    overrides?: Partial<DeviceGrantRoutes>,
    observability: DeviceGrantModuleExtras['observability'] = {},
  ): DynamicModule {
    const routes = resolveRoutes(overrides);
    const providers: Provider[] = [
      { provide: ROUTES, useValue: routes },
      {
        provide: DEVICE_GRANT_OPTIONS,
        useFactory: (options: DeviceGrantModuleOptions, resolvedRoutes: DeviceGrantRoutes) =>
          resolveOptions(options, resolvedRoutes),
        inject: [DEVICE_GRANT_MODULE_OPTIONS, ROUTES],
      },
      {
        provide: CLOCK,
        useFactory: (options: DeviceGrantModuleOptions) => options.clock ?? systemClock,
        inject: [DEVICE_GRANT_MODULE_OPTIONS],
      },
      TYPEORM_DEVICE_GRANT_STORE,
      OAuthExceptionFilter,
      ActivationExceptionFilter,
      BeforeHandlerErrors,
      ClientService,
      DeviceAuthorizationService,
      DeviceGrantService,
      DeviceCodeGrant,
      RefreshTokenGrant,
      TokenService,
      SigningKeyService,
      AccessTokenService,
      RefreshTokenService,
      TokenIssuerService,
      RevocationService,
      IntrospectionService,
      GrantManagementService,
      SessionService,
      RateLimitService,
      KeyVault,
      { provide: DEVICE_GRANT_TOKEN_REVOCATIONS, useClass: AccessTokenRevocations },
      ActivationPages,
      SignInService,
      ActivationFlowService,
      DevicesPageService,
      HousekeepingService,
      DeviceGrantEvents,
      DeviceGrantMetrics,
      MetricsInterceptor,
      MetricsListener,
      OAuthResponder,
      HealthService,
      ClientAdminService,
    ];
    return {
      ...definition,
      imports: [...(definition.imports ?? []), TypeOrmModule.forFeature(DEVICE_GRANT_ENTITIES)],
      controllers: [
        oauthEndpoint(DeviceAuthorizationController, routes.deviceAuthorization),
        oauthEndpoint(TokenController, routes.token),
        oauthEndpoint(RevocationController, routes.revocation),
        oauthEndpoint(IntrospectionController, routes.introspection),
        timedEndpoint(JwksController, routes.jwks),
        timedEndpoint(MetadataController, routes.metadata),
        timedEndpoint(ActivationController, routes.verification),
        timedEndpoint(DevicesController, routes.devices),
        ...(observability.health ? [timedEndpoint(HealthController, routes.health)] : []),
        ...(observability.metrics ? [timedEndpoint(MetricsController, routes.metrics)] : []),
      ],
      providers: [...(definition.providers ?? []), ...providers],
      exports: [DEVICE_GRANT_STORE, DeviceGrantEvents, HousekeepingService, DEVICE_GRANT_OPTIONS, CLOCK, ClientService, DeviceGrantService, SigningKeyService, KeyVault, DEVICE_GRANT_TOKEN_REVOCATIONS, AccessTokenService, RefreshTokenService, TokenIssuerService, GrantManagementService, SessionService, RateLimitService, ActivationPages, SignInService, ActivationFlowService, DevicesPageService, DeviceGrantMetrics, ClientAdminService],
    };
  }
}
