import { InvalidScope } from '../oauth-errors/oauth-error.js';

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Whether a string is one scope token: printable ASCII without space, `"` or `\\`. @see RFC 6749 §3.3 */
export function isScopeToken(value: string): boolean {
  return SCOPE_TOKEN.test(value);
}

/**
 * The scopes in a `scope` parameter: space-delimited case-sensitive tokens, order irrelevant,
 * duplicates collapsed. `invalid_scope` for a malformed value.
 * @see RFC 6749 §3.3
 */
export function parseScope(value: string | undefined): string[] {
  if (value === undefined) return [];
  if (value.length > 1000) throw new InvalidScope('scope is too long');
  const scopes = value.split(' ');
  if (!scopes.every(isScopeToken)) throw new InvalidScope('scope is malformed');
  return [...new Set(scopes)];
}

/** The scope list as the wire writes it. */
export function formatScope(scopes: readonly string[]): string {
  return scopes.join(' ');
}

/** Space-separated stored scopes back into a list. */
export function splitScope(value: string): string[] {
  return value ? value.split(' ') : [];
}
