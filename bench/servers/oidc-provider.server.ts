// The reference: node-oidc-provider with the device flow and its default in-memory adapter.
import type { Server } from 'node:http';
import { OIDC_CLIENT_ID } from '../bench-codes.js';
import { readSettings, serveIpc } from './serve-ipc.js';

const settings = readSettings();
const issuer = `http://127.0.0.1:${settings.port}`;
// No type declarations ship with oidc-provider; a string specifier keeps tsc from looking for them.
const specifier = 'oidc-provider';
const { default: Provider } = (await import(specifier)) as { default: new (issuer: string, config: object) => any };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: OIDC_CLIENT_ID,
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'none',
    },
  ],
  features: { deviceFlow: { enabled: true }, devInteractions: { enabled: false } },
  // Every refresh rotates, as ours does (its default rotates a public client's tokens too; said here once).
  rotateRefreshToken: true,
  // The account is the token's subject (its default does the same, with a warning to change it).
  findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub }) }),
});
// Silence the development-mode warnings it prints to stderr.
provider.on('server_error', (_ctx: unknown, error: Error) => console.error('oidc-provider server_error', error));

const server: Server = await new Promise((resolve) => {
  const listening: Server = provider.listen(settings.port, '127.0.0.1', () => resolve(listening));
});
let minted = 0;
serveIpc(
  settings.port,
  {
    /**
     * Fresh refresh tokens, each of its own grant, as a device holds after the device flow (user
     * approved `offline_access`): the refresh workload's chains. Minted in the model, as its grant
     * handlers do, since its in-memory adapter keeps 1,000 entries and cannot hold tokens issued ahead.
     */
    mintRefreshTokens: async ({ count }: { count: number }) => {
      const client = await provider.Client.find(OIDC_CLIENT_ID);
      const tokens: string[] = [];
      for (let i = 0; i < count; i++) {
        const accountId = `bench-user-${minted++}`;
        const grant = new provider.Grant({ accountId, clientId: OIDC_CLIENT_ID });
        grant.addOIDCScope('offline_access');
        const grantId = await grant.save();
        const token = new provider.RefreshToken({ accountId, client, grantId, scope: 'offline_access', gty: 'urn:ietf:params:oauth:grant-type:device_code' });
        tokens.push(await token.save());
      }
      return tokens;
    },
  },
  () => new Promise((resolve) => server.close(() => resolve())),
);
