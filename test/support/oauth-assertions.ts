import assert from 'node:assert/strict';
import type { Answer } from './http.js';

/** An RFC 6749 §5.2 error: status, JSON body with `error` (and at most `error_description`), no-store headers. */
export function assertOAuthError(answer: Answer, error: string, status = 400): void {
  assert.equal(answer.status, status, `status for ${answer.text}`);
  assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(answer.body?.error, error, `error in ${answer.text}`);
  for (const key of Object.keys(answer.body)) assert.ok(['error', 'error_description', 'error_uri'].includes(key), `unexpected member ${key}`);
  if (answer.body.error_description !== undefined) {
    assert.match(answer.body.error_description, /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/);
  }
  assertNoStore(answer);
}

export function assertNoStore(answer: Answer): void {
  assert.equal(answer.headers.get('cache-control'), 'no-store');
  assert.equal(answer.headers.get('pragma'), 'no-cache');
}
