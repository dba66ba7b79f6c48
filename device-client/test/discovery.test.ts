import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeviceClient, discover, metadataUrl, ResponseValidationError } from '../src/index.js';
import { FakeAuthorizationServer } from '../test-support/helpers/fake-authorization-server.js';

describe('discovery (RFC 8414)', () => {
  it('inserts the well-known path between host and path, dropping a terminating slash', () => {
    assert.equal(metadataUrl('https://as.example').href, 'https://as.example/.well-known/oauth-authorization-server');
    assert.equal(metadataUrl('https://as.example/').href, 'https://as.example/.well-known/oauth-authorization-server');
    assert.equal(
      metadataUrl('https://as.example/tenant/one/').href,
      'https://as.example/.well-known/oauth-authorization-server/tenant/one',
    );
    assert.throws(() => metadataUrl('https://as.example/?x=1'), TypeError);
    assert.throws(() => metadataUrl('https://as.example/#f'), TypeError);
  });

  it('discovers the endpoints of an issuer with a path and runs the flow with them', async () => {
    const server = await FakeAuthorizationServer.start({ issuerPath: '/tenant', approveAfterPolls: 1, interval: 0 });
    try {
      const metadata = await discover(server.issuer);
      assert.equal(metadata.issuer, server.issuer);
      assert.equal(metadata.device_authorization_endpoint, `${server.url}/device_authorization`);
      assert.equal(metadata.revocation_endpoint, `${server.url}/revoke`);
      assert.equal(server.log[0]!.path, '/.well-known/oauth-authorization-server/tenant');

      const client = new DeviceClient({ issuer: server.issuer, clientId: 'device-1' });
      const tokens = await client.login();
      assert.ok(server.accessTokens.has(tokens.accessToken));
      assert.equal(server.requests('/.well-known/oauth-authorization-server/tenant').length, 2, 'fetched once per client');
    } finally {
      await server.close();
    }
  });

  it('refuses metadata whose issuer is not exactly the one asked for', async () => {
    const server = await FakeAuthorizationServer.start();
    try {
      server.options.issuerOverride = `${server.url}/`;
      await assert.rejects(discover(server.url), ResponseValidationError);
      const client = new DeviceClient({ issuer: server.url, clientId: 'device-1' });
      await assert.rejects(client.start(), ResponseValidationError);
      assert.equal(server.requests('/device_authorization').length, 0);
    } finally {
      await server.close();
    }
  });

  it('uses an injected fetch', async () => {
    const server = await FakeAuthorizationServer.start();
    try {
      const seen: string[] = [];
      await discover(server.url, {
        fetch: (input, init) => {
          seen.push(String(input));
          return fetch(input, init);
        },
      });
      assert.deepEqual(seen, [`${server.url}/.well-known/oauth-authorization-server`]);
    } finally {
      await server.close();
    }
  });
});
