import { parseArgs } from 'node:util';
import type { INestApplicationContext } from '@nestjs/common';
import { DEVICE_CODE_GRANT_TYPE } from '../constants.js';
import { SessionService } from '../activation/session.service.js';
import { KeyVault } from '../crypto/key-vault.service.js';
import { SigningKeyService, type SigningKeyInfo } from '../tokens/signing-key.service.js';
import { ClientAdminError } from './client-admin.errors.js';
import { ClientAdminService, DEFAULT_SECRET_GRACE, type ClientSummary } from './client-admin.service.js';

/** Exit statuses of the admin CLI. */
export const ADMIN_EXIT = { ok: 0, usage: 1, failure: 2 } as const;

/** Where the CLI writes; tests and embedding applications pass their own. */
export interface AdminCliOutput {
  out(text: string): void;
  err(text: string): void;
}

export const ADMIN_USAGE = `Usage: npm run admin -- <command>

Clients
  clients add --name NAME (--public | --confidential) [--scopes "s1 s2"]
              [--grant-types device_code,refresh_token|none] [--access-token-ttl SECONDS]
              [--refresh-token-ttl SECONDS] [--id CLIENT_ID] [--json]
  clients rotate-secret CLIENT_ID [--grace SECONDS] [--json]   (default grace ${DEFAULT_SECRET_GRACE} s)
  clients disable CLIENT_ID
  clients enable CLIENT_ID
  clients delete CLIENT_ID
  clients list [--json]

Signing keys
  keys rotate            make a new key current; the previous one stays in the JWKS until its tokens expired
  keys list [--json]
  keys retire-expired    delete rotated keys that left the JWKS
  keys revoke KID        after a compromise: out of the JWKS at once, its tokens refused by every resource
                         server once it fetches the key set again; a new key takes over if it was current
  keys rotate-kek        a new key-encryption key in its file (the default one beside an SQLite database,
                         or keyEncryption.keyFile), every stored key sealed with it, the old one dropped
  keys reseal            seal every stored key with the current key-encryption key (after configuring a
                         new one with the old one among PREVIOUS_KEY_ENCRYPTION_KEYS)

Sessions
  sessions rotate-key    a new session-cookie key: everyone signed in on the pages is signed out
                         (running instances within 5 seconds)

The database is DATABASE_URL (default sqlite:data/device-grant.sqlite).
Exit status: 0 done, 1 usage or validation error, 2 any other failure.`;

/** A command line that cannot be run as written. */
class UsageError extends Error {}

const OPTIONS = {
  name: { type: 'string' },
  public: { type: 'boolean' },
  confidential: { type: 'boolean' },
  scopes: { type: 'string' },
  'grant-types': { type: 'string' },
  'access-token-ttl': { type: 'string' },
  'refresh-token-ttl': { type: 'string' },
  id: { type: 'string' },
  grace: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseCommandLine>['values'];

function parseCommandLine(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}

/**
 * Runs one admin command against the application context `open` boots (the demo's, or an
 * application's own module with `DeviceGrantModule`); returns the exit status. The command line is
 * checked before anything boots.
 *
 * @example
 * process.exitCode = await runAdminCli(process.argv.slice(2), () => NestFactory.createApplicationContext(AppModule, { abortOnError: false }));
 */
export async function runAdminCli(
  argv: string[],
  open: () => Promise<INestApplicationContext>,
  output: AdminCliOutput = { out: (text) => process.stdout.write(`${text}\n`), err: (text) => process.stderr.write(`${text}\n`) },
): Promise<number> {
  let command: (context: INestApplicationContext) => Promise<void>;
  try {
    const { values, positionals } = parseCommandLine(argv);
    if (values.help || positionals.length === 0 || positionals[0] === 'help') {
      output.out(ADMIN_USAGE);
      return ADMIN_EXIT.ok;
    }
    command = pickCommand(positionals, values, output);
  } catch (error) {
    output.err(`error: ${(error as Error).message}\n\n${ADMIN_USAGE}`);
    return ADMIN_EXIT.usage;
  }
  let context: INestApplicationContext | undefined;
  try {
    context = await open();
    await command(context);
    return ADMIN_EXIT.ok;
  } catch (error) {
    if (error instanceof ClientAdminError || error instanceof UsageError) {
      output.err(`error: ${error.message}`);
      return ADMIN_EXIT.usage;
    }
    output.err(`failed: ${error instanceof Error ? error.message : String(error)}`);
    return ADMIN_EXIT.failure;
  } finally {
    await context?.close().catch(() => undefined);
  }
}

function pickCommand(
  positionals: string[],
  values: Values,
  output: AdminCliOutput,
): (context: INestApplicationContext) => Promise<void> {
  const [group, verb, ...rest] = positionals;
  const json = values.json === true;
  const print = (value: unknown) => output.out(JSON.stringify(value, null, 2));
  const oneId = (): string => {
    if (rest.length !== 1) throw new UsageError(`${group} ${verb} takes one CLIENT_ID`);
    return rest[0];
  };
  const noArgs = () => {
    if (rest.length > 0) throw new UsageError(`${group} ${verb} takes no arguments, got ${rest.join(' ')}`);
  };

  if (group === 'clients') {
    const admin = (context: INestApplicationContext) => context.get(ClientAdminService, { strict: false });
    switch (verb) {
      case 'add': {
        noArgs();
        if (values.public === values.confidential) {
          throw new UsageError('say which kind of client: --public (a device, no secret) or --confidential (gets a secret)');
        }
        if (values.name === undefined) throw new UsageError('clients add needs --name, e.g. --name "Kitchen sensor fleet"');
        const input = {
          name: values.name,
          type: values.public ? ('public' as const) : ('confidential' as const),
          scopes: values.scopes === undefined ? [] : [values.scopes],
          grantTypes: values['grant-types'] === undefined ? undefined : [values['grant-types']],
          accessTokenTtl: seconds('--access-token-ttl', values['access-token-ttl']),
          refreshTokenTtl: seconds('--refresh-token-ttl', values['refresh-token-ttl']),
          clientId: values.id,
        };
        return async (context) => {
          const { client, secret } = await admin(context).add(input);
          if (json) return print({ ...client, ...(secret ? { clientSecret: secret } : {}) });
          output.out(`Added ${client.type} client ${JSON.stringify(printable(client.name))}`);
          output.out(`  client_id      ${client.clientId}`);
          if (secret) {
            output.out(`  client_secret  ${secret}`);
            output.out('The secret is shown only this once (only its hash is kept): store it now.');
          }
        };
      }
      case 'rotate-secret': {
        const clientId = oneId();
        const grace = seconds('--grace', values.grace) ?? DEFAULT_SECRET_GRACE;
        return async (context) => {
          const rotated = await admin(context).rotateSecret(clientId, grace);
          if (json) return print(rotated);
          output.out(`New secret for ${clientId}`);
          output.out(`  client_secret  ${rotated.secret}`);
          output.out('The secret is shown only this once (only its hash is kept): store it now.');
          output.out(
            rotated.previousSecretExpiresAt === null
              ? 'The previous secret no longer works.'
              : `The previous secret keeps working until ${iso(rotated.previousSecretExpiresAt)}.`,
          );
        };
      }
      case 'disable':
      case 'enable': {
        const clientId = oneId();
        return async (context) => {
          await (verb === 'disable' ? admin(context).disable(clientId) : admin(context).enable(clientId));
          output.out(
            verb === 'disable'
              ? `Disabled ${clientId}: it can no longer authenticate, and its access tokens are revoked.`
              : `Enabled ${clientId}.`,
          );
        };
      }
      case 'delete': {
        const clientId = oneId();
        return async (context) => {
          const deleted = await admin(context).delete(clientId);
          output.out(
            `Deleted ${clientId}: removed ${deleted.pendingGrants} pending grant(s); revoked ${deleted.revokedGrants} grant(s), ` +
              `${deleted.refreshTokens} refresh token(s) and ${deleted.accessTokens} access token(s).`,
          );
        };
      }
      case 'list': {
        noArgs();
        return async (context) => {
          const clients = await admin(context).list();
          if (json) return print(clients);
          output.out(clients.length === 0 ? 'No clients.' : clientTable(clients));
        };
      }
    }
    throw new UsageError(verb === undefined ? 'clients needs a command' : `unknown command: clients ${verb}`);
  }

  if (group === 'keys') {
    const keys = (context: INestApplicationContext) => context.get(SigningKeyService, { strict: false });
    switch (verb) {
      case 'rotate': {
        noArgs();
        return async (context) => {
          const service = keys(context);
          const previous = (await service.list()).find((key) => key.state === 'current');
          const kid = await service.rotate();
          const retired = await service.retireExpired();
          const rotated = (await service.list()).find((key) => key.kid === previous?.kid);
          if (json) return print({ current: kid, previous: rotated ?? null, retired });
          output.out(`New signing key ${kid} is current (running instances switch to it within 10 seconds).`);
          if (rotated?.publishedUntil) {
            output.out(`Previous key ${rotated.kid} stays in the JWKS until ${iso(rotated.publishedUntil)}, when every token it signed has expired.`);
          }
          if (retired.length > 0) output.out(`Retired ${retired.length} expired key(s): ${retired.join(', ')}`);
        };
      }
      case 'list': {
        noArgs();
        return async (context) => {
          const list = await keys(context).list();
          if (json) return print(list);
          output.out(keyTable(list));
        };
      }
      case 'retire-expired': {
        noArgs();
        return async (context) => {
          const retired = await keys(context).retireExpired();
          if (json) return print({ retired });
          output.out(retired.length === 0 ? 'No expired keys to retire.' : `Retired ${retired.length} expired key(s): ${retired.join(', ')}`);
        };
      }
      case 'revoke': {
        if (rest.length !== 1) throw new UsageError('keys revoke takes one KID');
        const [kid] = rest;
        return async (context) => {
          const known = (await keys(context).list()).find((key) => key.kid === kid);
          if (!known || known.state === 'revoked') throw new UsageError(`no signing key ${kid}, or it is revoked already (see keys list)`);
          const current = await keys(context).revoke(kid);
          if (json) return print({ revoked: kid, current });
          output.out(`Signing key ${kid} is revoked and out of the JWKS; ${current} signs (running instances switch to it within 10 seconds).`);
          output.out('Resource servers refuse its tokens once they fetch the key set again (jwksCacheMaxAge; the demo: 60 s).');
        };
      }
      case 'rotate-kek': {
        noArgs();
        return async (context) => {
          const rotation = await context.get(KeyVault, { strict: false }).rotateKeyFile();
          if (json) return print(rotation);
          output.out(`Key-encryption key ${rotation.to} is in ${rotation.file} (it replaced ${rotation.from}); ${rotation.resealed} stored key(s) sealed with it.`);
        };
      }
      case 'reseal': {
        noArgs();
        return async (context) => {
          const resealed = await context.get(KeyVault, { strict: false }).resealAll();
          if (json) return print({ resealed });
          output.out(`${resealed} stored key(s) sealed with the current key-encryption key.`);
        };
      }
    }
    throw new UsageError(verb === undefined ? 'keys needs a command' : `unknown command: keys ${verb}`);
  }
  if (group === 'sessions') {
    if (verb === 'rotate-key') {
      noArgs();
      return async (context) => {
        await context.get(SessionService, { strict: false }).rotateKey();
        if (json) return print({ rotated: true });
        output.out('New session-cookie key: every session on the pages has ended (running instances within 5 seconds).');
      };
    }
    throw new UsageError(verb === undefined ? 'sessions needs a command' : `unknown command: sessions ${verb}`);
  }
  throw new UsageError(`unknown command: ${group}`);
}

/** A whole number of seconds from an option, or a usage error that says which option is wrong. */
function seconds(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,12}$/.test(value.trim())) throw new UsageError(`${option} must be a whole number of seconds, got ${JSON.stringify(value)}`);
  return Number(value.trim());
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** No terminal control sequences from stored text (a name registered outside this CLI may hold any). */
function printable(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}]/gu, '?');
}

function shortGrantType(grantType: string): string {
  return grantType === DEVICE_CODE_GRANT_TYPE ? 'device_code' : grantType;
}

function clientTable(clients: ClientSummary[]): string {
  return table(
    ['CLIENT ID', 'NAME', 'TYPE', 'STATUS', 'SCOPES', 'GRANT TYPES', 'ACCESS TTL', 'REFRESH TTL', 'OLD SECRET UNTIL', 'CREATED'],
    clients.map((client) => [
      client.clientId,
      printable(client.name),
      client.type,
      client.disabled ? 'disabled' : 'enabled',
      client.scopes.join(' ') || '-',
      client.grantTypes.map(shortGrantType).join(',') || '-',
      client.accessTokenTtl === null ? 'default' : `${client.accessTokenTtl}s`,
      client.refreshTokenTtl === null ? 'default' : `${client.refreshTokenTtl}s`,
      client.previousSecretExpiresAt === null ? '-' : iso(client.previousSecretExpiresAt),
      iso(client.createdAt),
    ]),
  );
}

function keyTable(keys: SigningKeyInfo[]): string {
  return table(
    ['KID', 'ALG', 'STATE', 'CREATED', 'ROTATED', 'IN JWKS UNTIL'],
    keys.map((key) => [
      key.kid,
      key.alg,
      key.state,
      iso(key.createdAt),
      key.rotatedAt === null ? '-' : iso(key.rotatedAt),
      key.publishedUntil === null ? '-' : iso(key.publishedUntil),
    ]),
  );
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => [...row[i]].length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell + ' '.repeat(widths[i] - [...cell].length)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
