import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { DemoAppModule } from '../demo/demo-app.module.js';
import { runAdminCli } from './admin-cli.js';

// `npm run admin -- <command>`: the demo server's module on DATABASE_URL, without HTTP and without
// seeding (which would re-enable a disabled demo client).
const port = Number(process.env.PORT ?? 3000);
const issuer = process.env.ISSUER ?? `http://127.0.0.1:${port}`;

process.exitCode = await runAdminCli(process.argv.slice(2), () =>
  NestFactory.createApplicationContext(
    DemoAppModule.register({ issuer, databaseUrl: process.env.DATABASE_URL, seed: false }),
    { logger: ['error'], abortOnError: false },
  ),
);
