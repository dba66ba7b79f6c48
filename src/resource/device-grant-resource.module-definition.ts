import { ConfigurableModuleBuilder, Inject } from '@nestjs/common';
import type { DeviceGrantResourceOptions } from './device-grant-resource.options.js';

/** Settings that shape the module itself; they stay out of the injected options. */
export interface DeviceGrantResourceModuleExtras {
  /** Register the module globally, so every module's controllers can use the guard. Default false. */
  isGlobal?: boolean;
}

export const {
  ConfigurableModuleClass: ConfigurableDeviceGrantResourceModule,
  MODULE_OPTIONS_TOKEN: DEVICE_GRANT_RESOURCE_MODULE_OPTIONS,
  OPTIONS_TYPE: DEVICE_GRANT_RESOURCE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: DEVICE_GRANT_RESOURCE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<DeviceGrantResourceOptions>()
  .setClassMethodName('forRoot')
  .setExtras<DeviceGrantResourceModuleExtras>({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();

/** Injection token of the resolved resource-server options (defaults applied, values checked). */
export const DEVICE_GRANT_RESOURCE_OPTIONS = Symbol('DEVICE_GRANT_RESOURCE_OPTIONS');

/** Injects the resolved `ResolvedDeviceGrantResourceOptions`. */
export const InjectDeviceGrantResourceOptions = (): ParameterDecorator & PropertyDecorator =>
  Inject(DEVICE_GRANT_RESOURCE_OPTIONS);
