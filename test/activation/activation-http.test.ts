import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { poll, requestDeviceCode } from '../support/device-flow.js';
import { get } from '../support/http.js';
import { assertOAuthError } from '../support/oauth-assertions.js';
import { ADAPTERS, startServer, tempSqlite, TestClock, type TestServer } from '../support/test-server.js';
import { Visitor } from '../support/visitor.js';

for (const adapter of ADAPTERS) {
  describe(`activation pages over HTTP (${adapter})`, () => {
    const clock = new TestClock();
    let server: TestServer;
    before(async () => {
      server = await startServer({ adapter, clock });
    });
    after(() => server.close());

    test('code, sign-in, approve; nothing happens on GET; the code is single-use', async () => {
      const code = await requestDeviceCode(server.url, { device_name: 'Printer' });
      const visitor = Visitor.at(server.url);
      const start = await visitor.request('/activate');
      assert.equal(start.status, 200);
      assert.match(start.text, /<label for="user_code">User code<\/label>/);
      const entered = await visitor.request('/activate', { csrf: Visitor.csrf(start.text), user_code: code.user_code.toLowerCase() });
      assert.equal(entered.status, 303);
      assert.equal(entered.headers.get('location'), '/activate/confirm');
      const signInPage = await visitor.request('/activate/confirm');
      assert.match(signInPage.text, /<label for="username">Username<\/label>/);
      const signedIn = await visitor.request('/activate/sign-in', {
        csrf: Visitor.csrf(signInPage.text),
        username: 'alice',
        password: 'alice-password',
      });
      assert.equal(signedIn.status, 303);
      const consent = await visitor.request('/activate/confirm');
      assert.match(consent.text, /Connect this device\?/);
      assert.match(consent.text, /Printer/);
      assertOAuthError(await poll(server.url, code.device_code), 'authorization_pending');
      const done = await visitor.request('/activate/decision', {
        csrf: Visitor.csrf(consent.text),
        user_code: code.user_code,
        decision: 'approve',
      });
      assert.equal(done.status, 200);
      assert.match(done.text, /Device connected/);
      clock.advance(5);
      assert.equal((await poll(server.url, code.device_code)).status, 200);

      const reuse = await visitor.openCode(code.user_code);
      assert.equal(reuse.status, 400);
      assert.match(reuse.text, /That code is not valid/);
    });

    test('a decision for another code than the confirmed one is refused', async () => {
      const shown = await requestDeviceCode(server.url);
      const other = await requestDeviceCode(server.url);
      const visitor = Visitor.at(server.url);
      const start = await visitor.openCode(shown.user_code);
      assert.equal(start.status, 303);
      const signInPage = await visitor.request('/activate/confirm');
      await visitor.request('/activate/sign-in', { csrf: Visitor.csrf(signInPage.text), username: 'alice', password: 'alice-password' });
      const consent = await visitor.request('/activate/confirm');
      const answer = await visitor.request('/activate/decision', {
        csrf: Visitor.csrf(consent.text),
        user_code: other.user_code,
        decision: 'approve',
      });
      assert.equal(answer.status, 403);
      assertOAuthError(await poll(server.url, other.device_code), 'authorization_pending');
      assertOAuthError(await poll(server.url, shown.device_code), 'authorization_pending');
    });

    test('QR of a code as SVG and PNG, bounded sizes, 400 for what is no user code', async () => {
      const code = await requestDeviceCode(server.url);
      const svg = await get(`${server.url}/activate/qr?user_code=${code.user_code}`);
      assert.equal(svg.status, 200);
      assert.match(svg.headers.get('content-type') ?? '', /^image\/svg\+xml/);
      assert.match(svg.text, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      assert.doesNotMatch(svg.text, /<script/);
      const png = await fetch(`${server.url}/activate/qr?user_code=${code.user_code}&format=png&size=128`);
      assert.equal(png.status, 200);
      assert.equal(png.headers.get('content-type'), 'image/png');
      const bytes = Buffer.from(await png.arrayBuffer());
      assert.equal(bytes.subarray(1, 4).toString(), 'PNG');
      assert.equal(bytes.readUInt32BE(16), 128, 'PNG width');
      assert.equal((await get(`${server.url}/activate/qr?user_code=${code.user_code}&size=5000`)).status, 400);
      assert.equal((await get(`${server.url}/activate/qr?user_code=${code.user_code}&format=gif`)).status, 400);
      // Drawn without a lookup: an unknown code gets its QR too, so the endpoint tells nothing.
      assert.equal((await get(`${server.url}/activate/qr?user_code=BCDF-GHJK`)).status, 200);
      assert.equal((await get(`${server.url}/activate/qr?user_code=not-a-code`)).status, 400);
      assert.equal((await get(`${server.url}/activate/qr`)).status, 400);
    });

    test('unreadable requests to the pages get a page, never JSON', async () => {
      const huge = await fetch(`${server.url}/activate`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'user_code=' + 'x'.repeat(200_000),
      });
      assert.ok(huge.status >= 400 && huge.status < 500, String(huge.status));
      assert.match(huge.headers.get('content-type') ?? '', /^text\/html/);
      const json = await fetch(`${server.url}/activate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"user_code":',
      });
      assert.ok(json.status >= 400 && json.status < 500, String(json.status));
      assert.match(json.headers.get('content-type') ?? '', /^text\/html/);
      const missing = await get(`${server.url}/activate/nothing-here`);
      assert.equal(missing.status, 404);
      assert.match(missing.headers.get('content-type') ?? '', /^text\/html/);
    });
  });
}

describe('sign-in sessions', () => {
  test('survive a server restart (the cookie key is in the database)', async () => {
    const db = tempSqlite();
    let server = await startServer({ databaseUrl: db.url });
    try {
      const code = await requestDeviceCode(server.url);
      let visitor = Visitor.at(server.url);
      await visitor.openConsent(code.user_code); // signs in
      const port = Number(new URL(server.url).port);
      await server.close();
      server = await startServer({ databaseUrl: db.url, port }); // same issuer
      visitor = Object.assign(Visitor.at(server.url), { cookie: (visitor as unknown as { cookie: string }).cookie });
      const page = await visitor.request('/activate/confirm');
      assert.equal(page.status, 200);
      assert.match(page.text, /Connect this device\?/, 'still signed in, still confirming the same code');
      assert.doesNotMatch(page.text, /name="password"/);
    } finally {
      await server.close();
      db.cleanup();
    }
  });
});
