// A reference, never mounted in the library or the demo: our token route with the grant work taken
// out. A tiny Nest app on the same Fastify adapter and settings as the demo server (`createDemoApp`:
// body limit, rawBody), whose `POST /oauth/token` does what `TokenController` and `TokenService` do
// before a grant starts working (the clock read, the form parsed by `FormParams` and its `grant_type`
// and `device_code` required) and answers through the same `OAuthResponder` (no-store headers, the
// one `authorization_pending` object whose JSON is made once, the metrics counted as on the real
// route), without a client lookup, a device-code key, a batch or a database. A poll's CPU time per
// request over this route's is what the grant work costs (issue 15's ceiling: at most 1.4×).
import 'reflect-metadata';
import { Controller, Module, Post, Req, Res } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { systemClock } from '../../src/clock.js';
import { DEVICE_CODE_GRANT_TYPE } from '../../src/constants.js';
import { BODY_LIMIT_BYTES } from '../../src/demo/create-demo-app.js';
import type { ResolvedDeviceGrantOptions } from '../../src/device-grant.options.js';
import { FormParams, type OAuthHttpRequest } from '../../src/http/form-params.js';
import { OAuthResponder } from '../../src/http/oauth-responder.js';
import { DeviceGrantMetrics } from '../../src/observability/device-grant-metrics.service.js';
import { AuthorizationPending, UnsupportedGrantType } from '../../src/oauth-errors/oauth-error.js';
import { readSettings, serveIpc } from './serve-ipc.js';

/** As `DeviceCodeGrant` answers a pending poll: one object, its JSON made once. */
const PENDING = new AuthorizationPending('the user has not yet approved the request');

/** `TokenService.token` and the start of `DeviceCodeGrant.handle`, and then the answer. */
async function pendingWithoutGrantWork(request: OAuthHttpRequest): Promise<AuthorizationPending> {
  systemClock.now(); // TokenService reads the clock first: a poll is stamped with the time it arrived
  const params = FormParams.from(request);
  if (params.require('grant_type') !== DEVICE_CODE_GRANT_TYPE) throw new UnsupportedGrantType('the grant type is not supported');
  params.require('device_code');
  return PENDING;
}

@Controller('oauth/token')
class EmptyTokenController {
  constructor(private readonly responder: OAuthResponder) {}

  @Post()
  token(@Req() request: OAuthHttpRequest, @Res() response: unknown): Promise<void> {
    return this.responder.respond('token', request, response, () => pendingWithoutGrantWork(request));
  }
}

@Module({
  controllers: [EmptyTokenController],
  providers: [
    OAuthResponder,
    // Metrics on, as in the demo server (its default): the responder times and counts every answer.
    { provide: DeviceGrantMetrics, useFactory: () => new DeviceGrantMetrics({ metrics: true } as ResolvedDeviceGrantOptions) },
  ],
})
class EmptyTokenRouteModule {}

const settings = readSettings();
const app = await NestFactory.create(EmptyTokenRouteModule, new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES }), {
  logger: ['error'],
  rawBody: true,
});
await app.listen(settings.port, '127.0.0.1');
serveIpc(settings.port, {}, () => app.close());
