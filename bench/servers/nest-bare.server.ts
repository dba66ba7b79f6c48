// The framework ceiling: a bare Nest route on the same Fastify adapter and settings as the demo server.
import 'reflect-metadata';
import { Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { BODY_LIMIT_BYTES } from '../../src/demo/create-demo-app.js';
import { readSettings, serveIpc } from './serve-ipc.js';

@Controller('bare')
class BareController {
  @Get()
  get(): { ok: boolean } {
    return { ok: true };
  }

  /** The same form body a poll carries, parsed by the same content-type parser, answered with small JSON. */
  @Post()
  @HttpCode(200)
  post(): { ok: boolean } {
    return { ok: true };
  }
}

@Module({ controllers: [BareController] })
class BareModule {}

const settings = readSettings();
const app = await NestFactory.create(BareModule, new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES }), {
  logger: ['error'],
  rawBody: true,
});
await app.listen(settings.port, '127.0.0.1');
serveIpc(settings.port, {}, () => app.close());
