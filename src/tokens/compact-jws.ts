import { sign, type KeyObject } from 'node:crypto';

/**
 * An ES256 JWS in compact serialisation (RFC 7515 §7.1): `BASE64URL(header).BASE64URL(payload).
 * BASE64URL(signature)`, the signature ECDSA P-256 over SHA-256 as `r || s` (RFC 7518 §3.4).
 *
 * Signed with `node:crypto` on the calling thread. jose (which verifies every token we issue, here and
 * in resource servers) signs through WebCrypto, whose ECDSA job cost a token refresh about twice the
 * CPU of this synchronous call (bench/RESULTS.md, sixth round); signing is the only thing done by hand.
 * @see RFC 7515 §5.1, RFC 7518 §3.4
 */
export function signEs256(header: Readonly<Record<string, unknown>>, payload: Readonly<Record<string, unknown>>, key: KeyObject): string {
  if (key.type !== 'private' || key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('ES256 needs a P-256 private key');
  }
  const input = `${base64url(JSON.stringify({ ...header, alg: 'ES256' }))}.${base64url(JSON.stringify(payload))}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
