import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { DEMO_SCOPES } from '../demo/demo-app.module.js';
import { keyEncryptionFromEnv } from '../demo/key-encryption-env.js';
import { runAdminCli } from './admin-cli.js';
import { DeviceGrantAdminModule } from './device-grant-admin.module.js';

// `npm run admin -- <command>`: the admin services on the demo server's database (DATABASE_URL), with
// the demo's issuer and scopes; nothing of the server itself starts.
const port = Number(process.env.PORT ?? 3000);
const issuer = process.env.ISSUER ?? `http://127.0.0.1:${port}`;

process.exitCode = await runAdminCli(process.argv.slice(2), () =>
  NestFactory.createApplicationContext(
    DeviceGrantAdminModule.forRoot({ options: { issuer, scopes: DEMO_SCOPES, keyEncryption: keyEncryptionFromEnv() }, databaseUrl: process.env.DATABASE_URL }),
    { logger: ['error'], abortOnError: false },
  ),
);
