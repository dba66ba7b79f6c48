import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createDemoApp } from './create-demo-app.js';
import { DEMO_CREDENTIALS } from './demo-seed.service.js';
import { keyEncryptionFromEnv } from './key-encryption-env.js';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const issuer = process.env.ISSUER ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

const app = await createDemoApp({
  issuer,
  databaseUrl: process.env.DATABASE_URL,
  pollingInterval: process.env.POLLING_INTERVAL ? Number(process.env.POLLING_INTERVAL) : undefined,
  // A JSON object of the module's `limits` option, e.g. '{"deviceAuthorizationsPerAddress":false}'.
  limits: process.env.LIMITS ? JSON.parse(process.env.LIMITS) : undefined,
  trustProxy: trustProxy(process.env.TRUST_PROXY),
  keyEncryption: keyEncryptionFromEnv(),
  jwksCacheMaxAge: process.env.JWKS_CACHE_MAX_AGE ? Number(process.env.JWKS_CACHE_MAX_AGE) : undefined,
  metricsToken: process.env.METRICS_TOKEN,
  logger: ['log', 'error', 'warn'],
});
// SIGTERM/SIGINT: stop accepting, let in-flight requests finish, close the database, exit 0.
app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
await app.listen(port, host);

const logger = new Logger('DemoServer');
if (process.env.TRUST_PROXY) logger.log(`trusting proxies  ${process.env.TRUST_PROXY}`);
logger.log(`metrics           ${issuer}/metrics ${process.env.METRICS_TOKEN ? 'with METRICS_TOKEN as bearer token' : 'closed (set METRICS_TOKEN to scrape it)'}`);
logger.log(`issuer            ${issuer}`);
logger.log(`metadata          ${issuer}/.well-known/oauth-authorization-server`);
logger.log(`database          ${process.env.DATABASE_URL ? process.env.DATABASE_URL.replace(/\/\/[^@/]*@/, '//***@') : 'sqlite:data/device-grant.sqlite'}`);
logger.log(`public client     client_id=${DEMO_CREDENTIALS.publicClientId}`);
logger.log(`confidential      client_id=${DEMO_CREDENTIALS.confidentialClientId} client_secret=${DEMO_CREDENTIALS.confidentialClientSecret}`);
logger.log(`demo user         ${DEMO_CREDENTIALS.username} / ${DEMO_CREDENTIALS.password}`);

/** `TRUST_PROXY`: `true`, a hop count, or a comma-separated list of proxy addresses or CIDR ranges. */
function trustProxy(value: string | undefined): boolean | number | string[] | undefined {
  if (!value) return undefined;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((entry) => entry.trim());
}
