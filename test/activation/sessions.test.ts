// Sign-out ends a session for good: the sign-in lives on the server, so a cookie copied before the
// sign-out (a second tab, a thief) is signed out too, and "sign out everywhere" ends every browser's.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { poll, requestDeviceCode } from '../support/device-flow.js';
import { assertOAuthError } from '../support/oauth-assertions.js';
import { startServer, type TestServer } from '../support/test-server.js';
import { Visitor } from '../support/visitor.js';

const TIMEOUT = { timeout: 60_000 };

/** A visitor signed in as alice, on the devices page. */
async function signedIn(server: TestServer): Promise<Visitor> {
  const visitor = Visitor.at(server.url);
  const code = await requestDeviceCode(server.url);
  await visitor.decide(code.user_code);
  const page = await visitor.request('/devices');
  assert.doesNotMatch(page.text, /name="password"/, 'signed in');
  assert.match(page.text, /Signed in as/);
  return visitor;
}

describe('server-side sign-ins', () => {
  let server: TestServer;
  before(async () => (server = await startServer()));
  after(() => server.close());

  test('a cookie copied before sign-out gets the sign-in page afterwards, and cannot approve a code', TIMEOUT, async () => {
    const visitor = Visitor.at(server.url);
    const pending = await requestDeviceCode(server.url);
    const consent = await visitor.openConsent(pending.user_code);
    const copied = visitor.copy();
    const copiedCsrf = Visitor.csrf(consent);
    // The copy works while the sign-in lasts.
    assert.doesNotMatch((await copied.request('/devices')).text, /name="password"/);

    const signOut = await visitor.request('/activate/sign-out', { csrf: copiedCsrf });
    assert.equal(signOut.status, 303);

    for (const path of ['/devices', '/activate/confirm']) {
      const page = await copied.request(path);
      assert.match(page.text, /name="password"/, `${path} with the copied cookie asks to sign in`);
      assert.doesNotMatch(page.text, /Signed in as/);
    }
    const replayed = await copied.request('/activate/decision', { csrf: copiedCsrf, user_code: pending.user_code, decision: 'approve' });
    assert.notEqual(replayed.status, 200, 'no decision with the replayed cookie');
    assertOAuthError(await poll(server.url, pending.device_code), 'authorization_pending');
    // The visitor who signed out can sign in again.
    assert.match(await visitor.openConsent(pending.user_code), /name="decision"/);
  });

  test('sign out everywhere ends the sign-in of every browser; signing in again works', TIMEOUT, async () => {
    const [first, second] = [await signedIn(server), await signedIn(server)];
    const page = await first.request('/devices');
    assert.match(page.text, /Sign out everywhere/);
    const everywhere = await first.request('/activate/sign-out', { csrf: Visitor.csrf(page.text), everywhere: '1' });
    assert.equal(everywhere.status, 303);
    for (const visitor of [first, second]) assert.match((await visitor.request('/devices')).text, /name="password"/);
    await signedIn(server);
  });

  test('a sign-in ends when its time is up, cookie or not (sessionTtl)', TIMEOUT, async () => {
    // The server's record expires with the sign-in: a cookie whose own expiry was altered could not
    // outlive it, as the cookie is checked against the record.
    const visitor = await signedIn(server);
    const dataSource = server.app.get((await import('typeorm')).DataSource);
    await dataSource.query(`UPDATE "dg_sign_in" SET "expires_at" = 0`);
    assert.match((await visitor.request('/devices')).text, /name="password"/);
  });
});
