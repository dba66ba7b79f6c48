import { Controller, Get, HttpCode, Module, Post, UseGuards, type DynamicModule, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { DeviceGrantAuthGuard } from '../../src/resource/device-grant-auth.guard.js';
import { AuthenticatedPrincipal, type DeviceGrantPrincipal } from '../../src/resource/device-grant-principal.js';
import { DeviceGrantResourceModule } from '../../src/resource/device-grant-resource.module.js';
import type { DeviceGrantResourceOptions } from '../../src/resource/device-grant-resource.options.js';
import { RequireScopes } from '../../src/resource/require-scopes.decorator.js';
import { boundPort } from '../support/held-port.js';
import type { AdapterName } from '../support/test-server.js';

/** An API that only consumes tokens: it knows the issuer URL and nothing else of the authorization server. */
@Controller('api')
@UseGuards(DeviceGrantAuthGuard)
class SensorApiController {
  @Get('whoami')
  whoami(@AuthenticatedPrincipal() principal: DeviceGrantPrincipal): DeviceGrantPrincipal {
    return principal;
  }

  @Post('telemetry')
  @HttpCode(202)
  @RequireScopes('telemetry:write')
  telemetry(): { accepted: true } {
    return { accepted: true };
  }
}

@Module({})
export class ResourceServerAppModule {
  static register(options: DeviceGrantResourceOptions): DynamicModule {
    return {
      module: ResourceServerAppModule,
      imports: [DeviceGrantResourceModule.forRoot(options)],
      controllers: [SensorApiController],
    };
  }
}

export interface ResourceServer {
  url: string;
  app: INestApplication;
  close(): Promise<void>;
}

/** The resource server as its own Nest application on its own port. */
export async function startResourceServer(adapter: AdapterName, options: DeviceGrantResourceOptions): Promise<ResourceServer> {
  const module = ResourceServerAppModule.register(options);
  let app: INestApplication;
  if (adapter === 'express') {
    const { ExpressAdapter } = await import('@nestjs/platform-express');
    app = await NestFactory.create(module, new ExpressAdapter(), { logger: false });
  } else {
    app = await NestFactory.create(module, new FastifyAdapter(), { logger: false });
  }
  await app.listen(0, '127.0.0.1');
  return { url: `http://127.0.0.1:${boundPort(app)}`, app, close: () => app.close() };
}
