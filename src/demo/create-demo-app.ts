import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { DemoAppModule, type DemoConfig } from './demo-app.module.js';

/** Largest accepted request body; the OAuth endpoints need a few hundred bytes. */
export const BODY_LIMIT_BYTES = 64 * 1024;

export interface DemoAppSettings extends DemoConfig {
  /** HTTP adapter; the module works on both. Default `fastify`. */
  adapter?: 'fastify' | 'express';
  /**
   * Trust `X-Forwarded-For` from these proxies (Fastify's `trustProxy` / Express's `trust proxy`:
   * `true`, a hop count, or addresses and CIDR ranges), so that `request.ip`, which the brute-force
   * budgets count, is the visitor's and not the proxy's. Default: trust nothing.
   */
  trustProxy?: boolean | number | string[];
  /** Nest logger levels; default errors and warnings only. */
  logger?: false | ('log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal')[];
}

/** Builds (but does not start) the demo application. */
export async function createDemoApp(settings: DemoAppSettings): Promise<INestApplication> {
  const module = DemoAppModule.register(settings);
  const logger = settings.logger ?? ['error', 'warn'];
  if (settings.adapter === 'express') {
    // Express stays a dev dependency: loaded only when asked for.
    const { ExpressAdapter } = await import('@nestjs/platform-express');
    const app = await NestFactory.create(module, new ExpressAdapter(), { logger, bodyParser: true, rawBody: true });
    if (settings.trustProxy !== undefined) app.getHttpAdapter().getInstance().set('trust proxy', settings.trustProxy);
    (app as unknown as { useBodyParser(type: string, options: object): void }).useBodyParser('urlencoded', {
      limit: BODY_LIMIT_BYTES,
      extended: true,
    });
    return app;
  }
  return NestFactory.create(module, new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES, trustProxy: settings.trustProxy as boolean | string[] | undefined /* a hop count works too; the types omit it */ }), { logger, rawBody: true });
}
