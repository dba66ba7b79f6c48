import { ConfigurableModuleBuilder, Inject } from '@nestjs/common';
import type { DeviceGrantModuleOptions, DeviceGrantRoutes } from './device-grant.options.js';

/**
 * Settings that shape the module itself and so must be known before any provider runs
 * (Nest mounts controllers at start-up); they stay out of the injected options.
 */
export interface DeviceGrantModuleExtras {
  /** Register the module globally. Default false. */
  isGlobal?: boolean;
  /** Endpoint paths; defaults in `DEFAULT_ROUTES`. */
  routes?: Partial<DeviceGrantRoutes>;
  /**
   * Mount `GET routes.health` and `GET routes.metrics` on the application. Off unless asked for: an
   * application has its own health route, or serves metrics on a private listener (then read
   * `HealthService` and `DeviceGrantMetrics` yourself).
   */
  observability?: { health?: boolean; metrics?: boolean };
}

export const {
  ConfigurableModuleClass: ConfigurableDeviceGrantModule,
  MODULE_OPTIONS_TOKEN: DEVICE_GRANT_MODULE_OPTIONS,
  OPTIONS_TYPE: DEVICE_GRANT_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: DEVICE_GRANT_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<DeviceGrantModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras<DeviceGrantModuleExtras>({ isGlobal: false, routes: {}, observability: {} }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

/** Injection token of the resolved options (every default applied, every value checked). */
export const DEVICE_GRANT_OPTIONS = Symbol('DEVICE_GRANT_OPTIONS');

/** Injects the resolved `ResolvedDeviceGrantOptions`. */
export const InjectDeviceGrantOptions = (): ParameterDecorator & PropertyDecorator => Inject(DEVICE_GRANT_OPTIONS);
