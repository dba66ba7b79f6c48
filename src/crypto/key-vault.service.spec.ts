import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { resolveOptions } from '../device-grant.options.js';
import { MemoryDeviceGrantStore } from '../persistence/memory/memory-device-grant.store.js';
import { isSealed, newKekText, parseKek, type KeyEncryptionOptions, type KeyWrapper } from './key-encryption.js';
import { KeyVault, sealContext } from './key-vault.service.js';

const options = { timeout: 10_000 };

function vault(keyEncryption?: KeyEncryptionOptions, store = new MemoryDeviceGrantStore()) {
  return { store, vault: new KeyVault(store, resolveOptions({ issuer: 'https://auth.example.test', keyEncryption })) };
}

/** A stand-in for a KMS: AES-GCM under a key only it holds, the context bound as additional data. */
function fakeKms(): KeyWrapper & { contexts: string[] } {
  const key = randomBytes(32);
  const contexts: string[] = [];
  return {
    contexts,
    async wrap(plain, context) {
      contexts.push(context);
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(context));
      return Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]).toString('base64url');
    },
    async unwrap(wrapped, context) {
      const bytes = Buffer.from(wrapped, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12)).setAAD(Buffer.from(context));
      decipher.setAuthTag(bytes.subarray(bytes.length - 16));
      return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
    },
  };
}

describe('KeyVault', options, () => {
  test('a key: sealed values open only under their own context; another key opens nothing and says which key it needs', options, async () => {
    const key = newKekText();
    const { vault: one } = vault({ key });
    const sealed = await one.seal('{"d":"private"}', sealContext.signingKey('k1'));
    assert.ok(isSealed(sealed) && !sealed.includes('private'));
    assert.equal(await one.open(sealed, sealContext.signingKey('k1')), '{"d":"private"}');
    await assert.rejects(one.open(sealed, sealContext.signingKey('k2')));
    const { vault: other } = vault({ key: newKekText() });
    await assert.rejects(other.open(sealed, sealContext.signingKey('k1')), new RegExp(`sealed with key-encryption key ${parseKek(key, 'k').id}, which is not configured`));
    assert.equal(await one.open('plain from an older version', 'any'), 'plain from an older version');
  });

  test('a KMS wrapper: what it wraps is stored, with the context it was given', options, async () => {
    const kms = fakeKms();
    const { vault: wrapped } = vault(kms);
    const sealed = await wrapped.seal('cookie-key', sealContext.secret('session-cookie-key'));
    assert.match(sealed, /^dgk1kms:/);
    assert.deepEqual(kms.contexts, ['secret:session-cookie-key']);
    assert.equal(await wrapped.open(sealed, sealContext.secret('session-cookie-key')), 'cookie-key');
    await assert.rejects(vault({ key: newKekText() }).vault.open(sealed, 'secret:session-cookie-key'), /sealed by a key wrapper \(KMS\), and none is configured/);
  });

  test('a key file: its first line seals, later lines only open; a malformed key is refused with where it came from', options, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dgk-kek-'));
    try {
      const [older, current] = [newKekText(), newKekText()];
      const file = join(dir, 'kek');
      writeFileSync(file, `${older}\n`);
      const sealedByOlder = await vault({ keyFile: file }).vault.seal('x', 'c');
      writeFileSync(file, `${current}\n${older}\n`);
      const { vault: rotated } = vault({ keyFile: file });
      assert.equal(await rotated.open(sealedByOlder, 'c'), 'x');
      assert.ok((await rotated.seal('y', 'c')).startsWith(`dgk1:${parseKek(current, 'c').id}:`));
      writeFileSync(file, 'too-short\n');
      await assert.rejects(vault({ keyFile: file }).vault.seal('z', 'c'), new RegExp(`${file} line 1: a key-encryption key is 32 random bytes`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('resealAll: plain values and values of a previous key are sealed with the current one, once', options, async () => {
    const [previous, current] = [newKekText(), newKekText()];
    const store = new MemoryDeviceGrantStore();
    const old = vault({ key: previous }, store).vault;
    await store.signingKeys.insert({ kid: 'k1', alg: 'ES256', publicJwk: '{}', privateJwk: await old.seal('{"d":"one"}', sealContext.signingKey('k1')), createdAt: 1, rotatedAt: null, revokedAt: null });
    await store.secrets.insertIfAbsent('session-cookie-key', 'plain-cookie-key', 1);
    const { vault: now } = vault({ key: current, previous: [previous] }, store);
    assert.equal(await now.resealAll(), 2);
    assert.equal(await now.resealAll(), 0, 'nothing left to seal');
    const [key] = await store.signingKeys.list();
    assert.ok(key.privateJwk.startsWith(`dgk1:${parseKek(current, 'c').id}:`));
    assert.equal(await vault({ key: current }, store).vault.open(key.privateJwk, sealContext.signingKey('k1')), '{"d":"one"}');
    const [secret] = await store.secrets.list();
    assert.equal(await vault({ key: current }, store).vault.open(secret.value, sealContext.secret('session-cookie-key')), 'plain-cookie-key');
  });
});
