#!/usr/bin/env node
/**
 * The `device-grant` command: pair a device (RFC 8628), print a valid access token, show the
 * status, log out. Messages go to stderr, machine-readable output to stdout, and the exit code
 * tells a firmware script what happened (see `EXIT`).
 *
 * @see RFC 8628 §3
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DeviceClient } from './device-client.js';
import {
  AccessDeniedError,
  DeviceMustPairAgainError,
  ExpiredTokenError,
  OAuthError,
  TokenStoreError,
  TransportError,
} from './errors.js';
import { FileTokenStore } from './file-token-store.js';
import { formatCountdown, renderPrompt } from './show.js';

/**
 * Exit codes of the `device-grant` command.
 *
 * @see RFC 8628 §3.5 (the outcomes a device reacts to)
 */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  denied: 3,
  expired: 4,
  notPaired: 5,
  unreachable: 6,
  store: 7,
  interrupted: 130,
} as const;

const USAGE = `Usage: device-grant [login|token|status|logout] [options]

  login    pair this device: show the code, URL and QR code, wait for approval, store the tokens
  token    print a valid access token (refreshing it when needed)
  status   print what is stored, as JSON
  logout   revoke the refresh token and delete the store

Options (environment variable in brackets):
  --issuer URL           authorization server issuer, for RFC 8414 discovery [DEVICE_GRANT_ISSUER]
  --client-id ID         client_id [DEVICE_GRANT_CLIENT_ID]
  --client-secret S      client secret, for confidential clients [DEVICE_GRANT_CLIENT_SECRET]
  --scope "A B"          scope to request
  --store PATH           token store file [DEVICE_GRANT_STORE] (default ~/.config/device-grant/tokens.json)
  --key-file PATH        encrypt the store with this 32-byte key file
  --passphrase-env VAR   encrypt the store with a passphrase taken from this environment variable
  --device-name NAME     device_name sent with the request (also --device-model, --device-serial)
  --no-qr                do not draw a QR code
  --insecure             allow plain http to non-loopback hosts (testing only)

Exit codes: 0 ok, 1 error, 2 usage, 3 access denied, 4 code expired, 5 not paired (run login),
6 server unreachable, 7 token store unreadable, 130 interrupted (login resumes next time).
`;

function fail(code: number, message: string): never {
  process.stderr.write(`device-grant: ${message}\n`);
  process.exit(code);
}

function exitCodeFor(error: unknown): number {
  if (error instanceof AccessDeniedError) return EXIT.denied;
  if (error instanceof ExpiredTokenError) return EXIT.expired;
  if (error instanceof DeviceMustPairAgainError) return EXIT.notPaired;
  if (error instanceof TransportError) return EXIT.unreachable;
  if (error instanceof TokenStoreError) return EXIT.store;
  if (error instanceof Error && error.name === 'AbortError') return EXIT.interrupted;
  return EXIT.error;
}

async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        issuer: { type: 'string' },
        'client-id': { type: 'string' },
        'client-secret': { type: 'string' },
        scope: { type: 'string' },
        store: { type: 'string' },
        'key-file': { type: 'string' },
        'passphrase-env': { type: 'string' },
        'device-name': { type: 'string' },
        'device-model': { type: 'string' },
        'device-serial': { type: 'string' },
        'no-qr': { type: 'boolean' },
        insecure: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    fail(EXIT.usage, `${(error as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const command = positionals[0] ?? 'login';
  if (!['login', 'token', 'status', 'logout'].includes(command) || positionals.length > 1) {
    fail(EXIT.usage, `unknown command ${JSON.stringify(positionals.join(' '))}\n\n${USAGE}`);
  }
  const env = process.env;
  const issuer = values.issuer ?? env.DEVICE_GRANT_ISSUER;
  const clientId = values['client-id'] ?? env.DEVICE_GRANT_CLIENT_ID;
  if (!issuer || !clientId) fail(EXIT.usage, `--issuer and --client-id are required\n\n${USAGE}`);
  const passphraseVar = values['passphrase-env'];
  const passphrase = passphraseVar === undefined ? undefined : env[passphraseVar];
  if (passphraseVar !== undefined && !passphrase) fail(EXIT.usage, `${passphraseVar} is empty`);
  const configHome = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  const storePath = values.store ?? env.DEVICE_GRANT_STORE ?? join(configHome, 'device-grant', 'tokens.json');
  const store = new FileTokenStore(storePath, { keyFile: values['key-file'], passphrase });
  const client = new DeviceClient({
    issuer,
    clientId,
    clientSecret: values['client-secret'] ?? env.DEVICE_GRANT_CLIENT_SECRET,
    scope: values.scope,
    device: { name: values['device-name'], model: values['device-model'], serial: values['device-serial'] },
    store,
    allowInsecureRequests: values.insecure ?? false,
  });

  if (command === 'token') {
    process.stdout.write(`${await client.getAccessToken()}\n`);
  } else if (command === 'status') {
    process.stdout.write(`${JSON.stringify(await client.status(), null, 2)}\n`);
  } else if (command === 'logout') {
    const { revoked } = await client.logout();
    process.stderr.write(revoked ? 'Logged out; the refresh token was revoked.\n' : 'Logged out.\n');
  } else {
    await login(client, values['no-qr'] !== true);
  }
}

async function login(client: DeviceClient, qr: boolean): Promise<void> {
  const controller = new AbortController();
  const onSignal = (): void => controller.abort(new DOMException('interrupted', 'AbortError'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let ticker: NodeJS.Timeout | undefined;
  try {
    const tokens = await client.login({
      signal: controller.signal,
      onPrompt: async (pending, { resumed }) => {
        if (resumed) process.stderr.write('Resuming the pairing started earlier.\n');
        process.stderr.write(`\n${await renderPrompt(pending, { qr })}`);
        if (process.stderr.isTTY) {
          ticker = setInterval(() => process.stderr.write(`\r\x1b[2K${formatCountdown(pending)}`), 1000);
          ticker.unref();
        }
      },
    });
    const until = tokens.expiresAt ? ` until ${new Date(tokens.expiresAt).toISOString()}` : '';
    process.stderr.write(`Paired. The access token is valid${until}${tokens.refreshToken ? ' and can be refreshed' : ''}.\n`);
  } finally {
    if (ticker) {
      clearInterval(ticker);
      process.stderr.write('\n');
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(EXIT.ok),
  (error: unknown) => {
    const code = exitCodeFor(error);
    const message =
      code === EXIT.interrupted
        ? 'interrupted; run login again to resume the same code'
        : error instanceof OAuthError || error instanceof Error
          ? error.message
          : String(error);
    fail(code, message);
  },
);
