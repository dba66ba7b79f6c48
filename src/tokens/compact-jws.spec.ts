import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { compactVerify, exportJWK, generateKeyPair, importJWK, jwtVerify } from 'jose';
import { signEs256 } from './compact-jws.js';

const options = { timeout: 10_000 };

describe('signEs256', options, () => {
  test('jose verifies what it signs, header and claims as given', options, async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const key = createPrivateKey({ key: (await exportJWK(privateKey)) as never, format: 'jwk' });
    const token = signEs256({ typ: 'at+jwt', kid: 'k1' }, { sub: 'alice', iss: 'https://as', exp: 4_000_000_000 }, key);
    const { payload, protectedHeader } = await jwtVerify(token, publicKey, { issuer: 'https://as', typ: 'at+jwt', algorithms: ['ES256'] });
    assert.deepEqual(protectedHeader, { typ: 'at+jwt', kid: 'k1', alg: 'ES256' });
    assert.equal(payload.sub, 'alice');
  });

  test('a changed payload or signature does not verify; a key other than P-256 is refused', options, async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const verifier = await importJWK({ ...publicKey.export({ format: 'jwk' }), alg: 'ES256' });
    const token = signEs256({}, { sub: 'alice' }, privateKey);
    await compactVerify(token, verifier);
    const [header, , signature] = token.split('.');
    const forged = `${header}.${Buffer.from('{"sub":"mallory"}').toString('base64url')}.${signature}`;
    await assert.rejects(compactVerify(forged, verifier));
    const flipped = `${token.slice(0, -2)}${token.endsWith('AA') ? 'AB' : 'AA'}`;
    await assert.rejects(compactVerify(flipped, verifier));
    assert.throws(() => signEs256({}, {}, generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey), /P-256/);
    assert.throws(() => signEs256({}, {}, publicKey), /P-256/);
  });
});
