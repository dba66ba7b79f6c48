import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type JWTVerifyGetKey } from 'jose';
import { ManualClock } from '../testing/manual-clock.js';
import type { AuthorizationServerMetadataService } from './authorization-server-metadata.service.js';
import { InvalidToken } from './bearer-errors.js';
import { resolveResourceOptions, type DeviceGrantResourceOptions } from './device-grant-resource.options.js';
import { DeviceGrantTokenVerifier } from './device-grant-token.verifier.js';
import type { RevocationCheckService } from './revocation-check.service.js';


describe('DeviceGrantTokenVerifier with its verified-token cache', { timeout: 10_000 }, () => {
  const ISSUER = 'https://auth.example.test';

  async function setup(extra: Partial<DeviceGrantResourceOptions> = {}) {
    const clock = new ManualClock();
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const local = createLocalJWKSet({ keys: [jwk] });
    const state = { keyLookups: 0, keySetVersion: 1 as number | undefined, active: true, introspections: 0 };
    const keys: JWTVerifyGetKey = (header, token) => {
      state.keyLookups++;
      return local(header, token);
    };
    const metadata = { keys: async () => keys, keySetVersion: () => state.keySetVersion } as unknown as AuthorizationServerMetadataService;
    const revocation = {
      enabled: extra.revocationCheck !== undefined,
      // This stand-in remembers nothing: every request asks.
      remembered: () => undefined,
      isActive: async () => {
        state.introspections++;
        return state.active;
      },
    } as unknown as RevocationCheckService;
    const options = resolveResourceOptions({ issuer: ISSUER, clock, ...extra });
    const verifier = new DeviceGrantTokenVerifier(options, metadata, revocation);
    const sign = (lifetime = 600) => {
      const now = Math.floor(clock.now() / 1000);
      return new SignJWT({ client_id: 'demo-device', scope: 'profile' })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
        .setIssuer(ISSUER)
        .setAudience(ISSUER)
        .setSubject('alice')
        .setIssuedAt(now)
        .setExpirationTime(now + lifetime)
        .setJti(crypto.randomUUID())
        .sign(privateKey);
    };
    return { clock, state, verifier, sign };
  }

  test('a token that lives longer than maxTokenLifetime (plus the leeway) is refused, however well signed', async () => {
    const { verifier, sign } = await setup({ maxTokenLifetime: 3600, clockTolerance: 30 });
    assert.equal((await verifier.verify(await sign(3630))).sub, 'alice', 'at the limit');
    await assert.rejects(verifier.verify(await sign(3631)), (error: unknown) => error instanceof InvalidToken && /lives longer/.test(error.message));
    const defaults = await setup();
    await assert.rejects(defaults.verifier.verify(await defaults.sign(10 * 365 * 86400)), InvalidToken, 'a ten-year token, by default');
    assert.equal((await defaults.verifier.verify(await defaults.sign(86400))).sub, 'alice', 'a day, the longest the server issues');
  });

  test('the same token is verified once, then answered from memory; another token is verified', async () => {
    const { state, verifier, sign } = await setup();
    const token = await sign();
    const first = await verifier.verify(token);
    assert.equal(state.keyLookups, 1);
    assert.deepEqual(await verifier.verify(token), first);
    assert.deepEqual(await verifier.verify(token), first);
    assert.equal(state.keyLookups, 1, 'no second signature check');
    await verifier.verify(await sign());
    assert.equal(state.keyLookups, 2);
  });

  test('an expired token is refused from memory too, at the moment a full verification would refuse it', async () => {
    const { clock, state, verifier, sign } = await setup();
    const token = await sign(60);
    await verifier.verify(token);
    clock.advance(60 + 29);
    await verifier.verify(token);
    assert.equal(state.keyLookups, 1, 'within the leeway: from memory');
    clock.advance(1);
    await assert.rejects(verifier.verify(token), (error: unknown) => error instanceof InvalidToken && /expired/.test(error.description));
  });

  test('a new key set version means verifying again', async () => {
    const { state, verifier, sign } = await setup();
    const token = await sign();
    await verifier.verify(token);
    state.keySetVersion = 2;
    await verifier.verify(token);
    assert.equal(state.keyLookups, 2);
    state.keySetVersion = undefined;
    await verifier.verify(token);
    await verifier.verify(token);
    assert.equal(state.keyLookups, 4, 'a key set due to be fetched again: every request verifies in full');
  });

  test('with revocationCheck, a remembered token is still asked about on every request, and refused once revoked', async () => {
    const { state, verifier, sign } = await setup({ revocationCheck: { clientId: 'rs', clientSecret: 'secret' } });
    const token = await sign();
    await verifier.verify(token);
    await verifier.verify(token);
    assert.equal(state.keyLookups, 1, 'the second answer came from memory');
    assert.equal(state.introspections, 2, 'and the revocation check still ran');
    state.active = false;
    await assert.rejects(verifier.verify(token), (error: unknown) => error instanceof InvalidToken && /revoked/.test(error.description));
    assert.equal(state.keyLookups, 1);
  });

  test('tokenCacheMaxEntries 0 verifies every time', async () => {
    const { state, verifier, sign } = await setup({ tokenCacheMaxEntries: 0 });
    const token = await sign();
    await verifier.verify(token);
    await verifier.verify(token);
    assert.equal(state.keyLookups, 2);
    assert.throws(() => resolveResourceOptions({ issuer: ISSUER, tokenCacheMaxEntries: -1 }), /tokenCacheMaxEntries/);
  });
});
