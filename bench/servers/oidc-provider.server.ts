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
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'none',
    },
  ],
  features: { deviceFlow: { enabled: true }, devInteractions: { enabled: false } },
});
// Silence the development-mode warnings it prints to stderr.
provider.on('server_error', (_ctx: unknown, error: Error) => console.error('oidc-provider server_error', error));

const server: Server = await new Promise((resolve) => {
  const listening: Server = provider.listen(settings.port, '127.0.0.1', () => resolve(listening));
});
serveIpc(settings.port, {}, () => new Promise((resolve) => server.close(() => resolve())));
