import { ResponseValidationError } from './errors.js';
import { errorFromResponse, formPost, readJson, send, type ClientAuth, type SendOptions, type Transport } from './http.js';
import type { TokenEndpointResponse, TokenSet } from './types.js';
import { optionalNumber, optionalString, requireString, type JsonObject } from './validate.js';

const WHERE = 'token response';

/**
 * Checks every member of a successful token response the client reads (RFC 6749 §5.1, §7.1).
 *
 * @see RFC 6749 §5.1
 */
export function validateTokenResponse(body: JsonObject): TokenEndpointResponse {
  requireString(body, 'access_token', WHERE);
  const tokenType = requireString(body, 'token_type', WHERE);
  // RFC 6749 §7.1: a client must not use a token whose type it does not understand.
  if (tokenType.toLowerCase() !== 'bearer') {
    throw new ResponseValidationError(`${WHERE}: unsupported "token_type" ${JSON.stringify(tokenType)}`);
  }
  optionalNumber(body, 'expires_in', WHERE);
  optionalString(body, 'refresh_token', WHERE);
  if (body.scope !== undefined && typeof body.scope !== 'string') {
    throw new ResponseValidationError(`${WHERE}: "scope" must be a string`);
  }
  return body as TokenEndpointResponse;
}

/**
 * The tokens to store: expiry counted from when the request was sent; a refresh response without
 * a new refresh token keeps the previous one (RFC 6749 §6), and without `scope` the previous scope.
 *
 * @see RFC 6749 §6
 */
export function toTokenSet(response: TokenEndpointResponse, issuedAt: number, previous?: TokenSet): TokenSet {
  const tokens: TokenSet = { accessToken: response.access_token, tokenType: response.token_type, issuedAt };
  const refreshToken = response.refresh_token ?? previous?.refreshToken;
  const scope = response.scope ?? previous?.scope;
  if (refreshToken !== undefined) tokens.refreshToken = refreshToken;
  if (scope !== undefined) tokens.scope = scope;
  if (response.expires_in !== undefined) tokens.expiresAt = issuedAt + response.expires_in * 1000;
  return tokens;
}

/**
 * One token endpoint request; 200 is validated, an error body becomes the typed error.
 *
 * @see RFC 6749 §3.2
 */
export async function tokenRequest(
  t: Transport,
  endpoint: string,
  auth: ClientAuth,
  params: Record<string, string | undefined>,
  options?: SendOptions,
): Promise<TokenEndpointResponse> {
  const response = await send(t, endpoint, formPost(auth, params), options);
  if (response.status !== 200) throw await errorFromResponse(response, WHERE);
  return validateTokenResponse(await readJson(response, WHERE));
}

/**
 * Revokes a token (RFC 7009 §2.1); 200 means revoked or unknown, and the body is ignored (§2.2).
 *
 * @see RFC 7009 §2.1
 */
export async function revokeToken(
  t: Transport,
  endpoint: string,
  auth: ClientAuth,
  token: string,
  hint: 'refresh_token' | 'access_token',
  signal?: AbortSignal,
): Promise<void> {
  const response = await send(t, endpoint, formPost(auth, { token, token_type_hint: hint }), { signal });
  if (response.status !== 200) throw await errorFromResponse(response, 'revocation response');
  await response.body?.cancel();
}
