/** The token types the revocation and introspection endpoints know. @see RFC 7009 §2.1, RFC 7662 §2.1 */
export type TokenTypeHint = 'access_token' | 'refresh_token';

/** Our refresh tokens: 256 random bits, base64url. */
const REFRESH_TOKEN = /^[A-Za-z0-9_-]{43}$/;
/** Our access tokens: a compact JWS (three base64url parts), well under 4 KiB. */
const ACCESS_TOKEN = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Which of our stores a presented token can belong to, from its shape alone. The two shapes cannot
 * be confused, so the client's `token_type_hint` is accepted and not needed: looking in the right
 * store first costs one lookup, and a wrong or invalid hint cannot force extra ones.
 * @see RFC 7009 §2.1 and §5, RFC 7662 §2.1
 */
export function tokenTypeOf(token: string): TokenTypeHint | undefined {
  if (REFRESH_TOKEN.test(token)) return 'refresh_token';
  if (token.length <= 4096 && ACCESS_TOKEN.test(token)) return 'access_token';
  return undefined;
}
