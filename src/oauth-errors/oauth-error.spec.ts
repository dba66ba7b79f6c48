import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AccessDenied,
  AuthorizationPending,
  ExpiredToken,
  InvalidClient,
  InvalidGrant,
  InvalidRequest,
  InvalidScope,
  MethodNotAllowed,
  SlowDown,
  UnauthorizedClient,
  UnsupportedGrantType,
  oauthErrorBody,
} from './oauth-error.js';

describe('OAuth error serialisation (RFC 6749 §5.2)', () => {
  test('each class carries its registered code and status', () => {
    const cases: [Error & { error: string; status: number }, string, number][] = [
      [new InvalidRequest(), 'invalid_request', 400],
      [new InvalidClient(), 'invalid_client', 401],
      [new InvalidGrant(), 'invalid_grant', 400],
      [new UnauthorizedClient(), 'unauthorized_client', 400],
      [new UnsupportedGrantType(), 'unsupported_grant_type', 400],
      [new InvalidScope(), 'invalid_scope', 400],
      [new AuthorizationPending(), 'authorization_pending', 400],
      [new SlowDown(), 'slow_down', 400],
      [new AccessDenied(), 'access_denied', 400],
      [new ExpiredToken(), 'expired_token', 400],
      [new MethodNotAllowed(), 'invalid_request', 405],
    ];
    for (const [error, code, status] of cases) {
      assert.equal(error.error, code);
      assert.equal(error.status, status, code);
    }
  });

  test('invalid_client challenges with Basic', () => {
    assert.match(new InvalidClient().headers['WWW-Authenticate'], /^Basic realm="/);
  });

  test('the body has error and, when given, error_description', () => {
    assert.deepEqual(oauthErrorBody(new SlowDown()), { error: 'slow_down' });
    assert.deepEqual(oauthErrorBody(new InvalidGrant('the device code expired')), {
      error: 'invalid_grant',
      error_description: 'the device code expired',
    });
  });

  test('error_description keeps to the characters RFC 6749 allows, and is bounded', () => {
    const body = oauthErrorBody(new InvalidRequest('bad "value" \\ with ünïcode\nand a newline' + 'x'.repeat(1000)));
    assert.match(body.error_description!, /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/);
    assert.ok(body.error_description!.length <= 300);
  });
});
