import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { poll, refresh, requestDeviceCode } from '../support/device-flow.js';
import { assertOAuthError } from '../support/oauth-assertions.js';
import { ADAPTERS, startServer, TestClock, type TestServer } from '../support/test-server.js';
import { Visitor } from '../support/visitor.js';

const TIMEOUT = { timeout: 30_000 };

/** The form fields with a `csrf` field, or without one when `csrf` is undefined. */
function withCsrf(fields: Record<string, string>, csrf: string | undefined): Record<string, string> {
  return csrf === undefined ? fields : { ...fields, csrf };
}

/** A refused form: a page (not JSON, not a 500) saying the form was out of date. */
function assertRefused(answer: { status: number; headers: Headers; text: string }, what: string): void {
  assert.equal(answer.status, 403, `${what}: ${answer.text.slice(0, 300)}`);
  assert.match(answer.headers.get('content-type') ?? '', /^text\/html/, what);
  assert.match(answer.text, /Your session expired or the form was out of date/, what);
}

for (const adapter of ADAPTERS) {
  describe(`every form refuses a POST without its session's CSRF token, over plain HTTP (${adapter})`, () => {
    const clock = new TestClock();
    let server: TestServer;
    before(async () => {
      server = await startServer({ adapter, clock });
    });
    after(() => server.close());

    /** The tokens a forged POST could carry: none, a made-up one, and another visitor's real one. */
    async function forgedTokens(): Promise<[string, string | undefined][]> {
      const other = await Visitor.at(server.url).request('/activate');
      return [
        ['no csrf field', undefined],
        ['a made-up csrf token', 'A'.repeat(43)],
        ["another visitor's csrf token", Visitor.csrf(other.text)],
      ];
    }

    test('code entry (POST /activate): refused, and the code is not taken up', TIMEOUT, async () => {
      const code = await requestDeviceCode(server.url);
      const visitor = Visitor.at(server.url);
      const start = await visitor.request('/activate');
      for (const [what, csrf] of await forgedTokens()) {
        assertRefused(await visitor.request('/activate', withCsrf({ user_code: code.user_code }, csrf)), what);
        const confirm = await visitor.request('/activate/confirm');
        assert.equal(confirm.status, 303, `${what}: the session holds no code`);
        assert.equal(confirm.headers.get('location'), '/activate');
      }
      // A POST with no session cookie at all carries no token the server gave out.
      assertRefused(await Visitor.at(server.url).request('/activate', { csrf: Visitor.csrf(start.text), user_code: code.user_code }), 'no session');
      assertOAuthError(await poll(server.url, code.device_code), 'authorization_pending');
      // The same visitor with the page's own token goes on.
      const page = await visitor.request('/activate');
      assert.equal((await visitor.request('/activate', { csrf: Visitor.csrf(page.text), user_code: code.user_code })).status, 303);
    });

    test('sign-in (POST /activate/sign-in): refused, and the visitor stays signed out', TIMEOUT, async () => {
      const code = await requestDeviceCode(server.url);
      const visitor = Visitor.at(server.url);
      assert.equal((await visitor.openCode(code.user_code)).status, 303);
      const signInPage = await visitor.request('/activate/confirm');
      assert.match(signInPage.text, /name="password"/);
      for (const [what, csrf] of await forgedTokens()) {
        const answer = await visitor.request('/activate/sign-in', withCsrf({ username: 'alice', password: 'alice-password' }, csrf));
        assertRefused(answer, what);
        assert.equal(answer.headers.get('location'), null, what);
        const confirm = await visitor.request('/activate/confirm');
        assert.match(confirm.text, /name="password"/, `${what}: still asked to sign in`);
        assert.doesNotMatch(confirm.text, /name="decision"/, what);
      }
      const page = await visitor.request('/activate/confirm');
      const signedIn = await visitor.request('/activate/sign-in', { csrf: Visitor.csrf(page.text), username: 'alice', password: 'alice-password' });
      assert.equal(signedIn.status, 303, 'the page\'s own token signs in');
    });

    test('decision (POST /activate/decision): approve and deny refused, and the grant stays pending', TIMEOUT, async () => {
      const code = await requestDeviceCode(server.url);
      const visitor = Visitor.at(server.url);
      await visitor.openConsent(code.user_code);
      for (const decision of ['approve', 'deny']) {
        for (const [what, csrf] of await forgedTokens()) {
          assertRefused(await visitor.request('/activate/decision', withCsrf({ user_code: code.user_code, decision }, csrf)), `${decision}, ${what}`);
        }
      }
      assertOAuthError(await poll(server.url, code.device_code), 'authorization_pending');
      const consent = await visitor.request('/activate/confirm');
      assert.match(consent.text, /name="decision"/, 'still confirming the same code');
      const done = await visitor.request('/activate/decision', { csrf: Visitor.csrf(consent.text), user_code: code.user_code, decision: 'deny' });
      assert.equal(done.status, 200, 'the page\'s own token decides');
      clock.advance(5);
      assertOAuthError(await poll(server.url, code.device_code), 'access_denied');
    });

    test('sign-out (POST /activate/sign-out): refused, and the visitor stays signed in', TIMEOUT, async () => {
      const code = await requestDeviceCode(server.url);
      const visitor = Visitor.at(server.url);
      await visitor.openConsent(code.user_code);
      for (const [what, csrf] of await forgedTokens()) {
        assertRefused(await visitor.request('/activate/sign-out', withCsrf({}, csrf)), what);
        const consent = await visitor.request('/activate/confirm');
        assert.match(consent.text, /name="decision"/, `${what}: still signed in`);
        assert.doesNotMatch(consent.text, /name="password"/, what);
      }
      const consent = await visitor.request('/activate/confirm');
      const signedOut = await visitor.request('/activate/sign-out', { csrf: Visitor.csrf(consent.text) });
      assert.equal(signedOut.status, 303, 'the page\'s own token signs out');
      assert.match((await visitor.request('/activate/confirm')).text, /name="password"/);
    });

    test('devices (POST /devices, disconnect): refused, and the device stays connected', TIMEOUT, async () => {
      const code = await requestDeviceCode(server.url, { device_name: `Hall TV ${adapter}` });
      const visitor = Visitor.at(server.url);
      await visitor.decide(code.user_code);
      clock.advance(5);
      const tokens = await poll(server.url, code.device_code);
      assert.equal(tokens.status, 200, tokens.text);
      const list = await visitor.request('/devices');
      assert.equal(list.status, 200);
      const grantId = new RegExp(`Hall TV ${adapter}[\\s\\S]*?name="grant_id" value="([^"]+)"`).exec(list.text)?.[1];
      assert.ok(grantId, list.text.slice(0, 500));
      for (const [what, csrf] of await forgedTokens()) {
        const answer = await visitor.request('/devices', withCsrf({ grant_id: grantId }, csrf));
        assertRefused(answer, what);
        assert.match(answer.text, new RegExp(`Hall TV ${adapter}`), `${what}: the device is still listed`);
      }
      assert.match((await visitor.request('/devices')).text, new RegExp(`value="${grantId}"`));
      const refreshed = await refresh(server.url, tokens.body.refresh_token);
      assert.equal(refreshed.status, 200, `the device's tokens still work: ${refreshed.text}`);
      const page = await visitor.request('/devices');
      const disconnected = await visitor.request('/devices', { csrf: Visitor.csrf(page.text), grant_id: grantId });
      assert.equal(disconnected.status, 200, 'the page\'s own token disconnects');
      assert.doesNotMatch(disconnected.text, new RegExp(`value="${grantId}"`));
    });
  });
}
