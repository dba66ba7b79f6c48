import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { requestDeviceCode } from '../support/device-flow.js';
import { get } from '../support/http.js';
import { ADAPTERS, startServer, type TestServer } from '../support/test-server.js';
import { Visitor } from '../support/visitor.js';

const TIMEOUT = { timeout: 30_000 };

const SCRIPT = '<script>alert(1)</script>';
const IMG = '"><img src=x onerror=alert(1)>';
const QUOTE = "' autofocus onfocus='alert(1)";

/** How the pages must show each payload: as text. */
const ESCAPED: Record<string, string> = {
  [SCRIPT]: '&lt;script&gt;alert(1)&lt;/script&gt;',
  [IMG]: '&quot;&gt;&lt;img src=x onerror=alert(1)&gt;',
  [QUOTE]: '&#39; autofocus onfocus=&#39;alert(1)',
};

for (const adapter of ADAPTERS) {
  describe(`the devices page over HTTP (${adapter})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ adapter });
    });
    after(() => server.close());

    test('device names and models sent at device authorization are shown escaped, never as markup', TIMEOUT, async () => {
      const visitor = Visitor.at(server.url);
      const devices = [
        { device_name: SCRIPT, device_model: IMG },
        { device_name: IMG, device_model: SCRIPT },
        { device_name: QUOTE, device_model: QUOTE },
      ];
      for (const device of devices) {
        const code = await requestDeviceCode(server.url, device);
        const consent = await visitor.openConsent(code.user_code);
        assert.ok(consent.includes(ESCAPED[device.device_name]), 'the consent screen escapes the device name');
        const done = await visitor.request('/activate/decision', { csrf: Visitor.csrf(consent), user_code: code.user_code, decision: 'approve' });
        assert.equal(done.status, 200, done.text.slice(0, 300));
      }
      const page = await visitor.request('/devices');
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.doesNotMatch(page.text, /<script/i);
      assert.doesNotMatch(page.text, /<img/i);
      assert.doesNotMatch(page.text, /[^=]'alert/, 'no single quote left to close an attribute');
      for (const payload of [SCRIPT, IMG, QUOTE]) {
        assert.ok(!page.text.includes(payload), `raw ${payload}`);
        // In the list (name, model) and in the disconnect button's label (name).
        assert.ok(page.text.split(ESCAPED[payload]).length - 1 >= 3, `${payload} escaped in name, model and label`);
      }
      assert.ok(page.text.includes(`aria-label="Disconnect: ${ESCAPED[SCRIPT]}"`));
      assert.ok(page.text.includes(`aria-label="Disconnect: ${ESCAPED[IMG]}"`));
      assert.equal(page.text.match(/name="grant_id"/g)?.length, devices.length);
    });

    test('errors stay apart: unknown pages get a page in the visitor\'s language, OAuth endpoints JSON, other routes Nest\'s own answer', TIMEOUT, async () => {
      const spanish = await get(`${server.url}/devices/nothing-here`, { 'accept-language': 'es' });
      assert.equal(spanish.status, 404);
      assert.match(spanish.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(spanish.text, /<html lang="es">/);
      const oauth = await get(`${server.url}/oauth/token`);
      assert.equal(oauth.status, 405);
      assert.equal(oauth.body.error, 'invalid_request');
      // The module registers no global filter: the host application's own 404 is Nest's, not ours.
      const elsewhere = await get(`${server.url}/not-the-module`);
      assert.equal(elsewhere.status, 404);
      assert.equal(elsewhere.body.statusCode, 404);
      assert.equal(elsewhere.body.error, 'Not Found');
    });
  });
}
