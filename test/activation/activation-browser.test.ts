import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DeviceClient, MemoryTokenStore } from '@device-grant-kit/device-client';
import { poll, requestDeviceCode } from '../support/device-flow.js';
import { recordingFetch, sharedClock } from '../support/device-client-harness.js';
import { browserSkipReason, launchChromium, screenshot, VIEWPORTS } from '../support/browser.js';
import { post } from '../support/http.js';
import { assertOAuthError } from '../support/oauth-assertions.js';
import { startServer, tempSqlite, TestClock, type TestServer } from '../support/test-server.js';

const skip = browserSkipReason();

/** Opens `verification_uri_complete`: the code is filled in (a GET never evaluates it), and Continue submits it. */
async function openLink(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.getByRole('button', { name: 'Continue' }).click();
}

describe('the activation page in a real browser', { skip }, () => {
  let browser: Browser;
  let server: TestServer;
  const clock = new TestClock();

  before(async () => {
    browser = await launchChromium();
    server = await startServer({ clock });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function signIn(context: BrowserContext, url: string) {
    const page = await context.newPage();
    await openLink(page, url);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('alice-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    return page;
  }

  for (const viewport of VIEWPORTS) {
    test(`the device-client asks for a code; a person opens verification_uri_complete, signs in, approves; the device gets its token (${viewport.width} px)`, async () => {
      // The real device package is the device. Its waits move the server's clock (5 s of virtual time
      // per 100 ms of real time), so it polls at its interval while the browser works in real time.
      const deviceClock = sharedClock(clock);
      deviceClock.onSleep = () => new Promise((resolve) => setTimeout(resolve, 100));
      const recorder = recordingFetch(() => clock.now());
      const device = new DeviceClient({
        fetch: recorder.fetch,
        issuer: server.url,
        clientId: 'demo-device',
        scope: 'openid profile offline_access',
        device: { name: 'Kitchen sensor', model: 'TH-2', serial: 'SN-0042' },
        store: new MemoryTokenStore(),
        clock: deviceClock,
      });
      const pending = await device.start();
      let slowDowns = 0;
      const polling = device.poll(pending, {
        onSlowDown: () => {
          slowDowns++;
        },
      });

      const context = await browser.newContext({ viewport, locale: 'en-US' });
      const page = await context.newPage();
      await page.goto(pending.verificationUriComplete!);
      assert.equal(await page.getByLabel('User code').inputValue(), pending.userCode, 'the link fills the code in');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Sign in');
      assert.equal(await page.locator('.usercode').textContent(), pending.userCode);
      await screenshot(page, 'sign-in');
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill('alice-password');
      await page.getByRole('button', { name: 'Sign in' }).click();

      await page.getByRole('heading', { name: 'Connect this device?' }).waitFor();
      assert.ok(!page.url().includes('user_code'), 'the code left the address bar');
      assert.equal(await page.locator('#user-code').textContent(), pending.userCode);
      assert.match(await page.locator('body').innerText(), /Check that this matches the code on your device/);
      assert.equal(await page.locator('#client-name').textContent(), 'Demo device');
      const scopes = await page.locator('#scopes li').allTextContents();
      assert.deepEqual(scopes, [
        'Know who you are (openid)',
        'See your basic profile (name and username) (profile)',
        'Stay connected when you are not using it (a refresh token) (offline_access)',
      ]);
      assert.equal(await page.locator('#device-name').textContent(), 'Kitchen sensor');
      assert.equal(await page.locator('#device-model').textContent(), 'TH-2');
      assert.equal(await page.locator('#device-serial').textContent(), 'SN-0042');
      assert.equal(await page.locator('#request-ip').textContent(), '127.0.0.1');
      assert.match(await page.locator('.warning').textContent() ?? '', /gives this device access to your account/);
      await screenshot(page, 'consent');

      await page.getByRole('button', { name: 'Approve' }).click();
      await page.getByRole('heading', { name: 'Device connected' }).waitFor();
      await screenshot(page, 'approved');
      const tokens = await polling;
      assert.equal(tokens.scope, 'openid profile offline_access');
      assert.ok(tokens.refreshToken);
      assert.equal(slowDowns, 0, `a device that keeps its interval never gets slow_down: ${JSON.stringify(recorder.tokenRequests().map((e) => [e.at - pending.requestedAt, e.status, e.error ?? e.failure]))}`);
      const me = await device.fetchWithToken(`${server.url}/api/me`);
      assert.equal(me.status, 200);
      assert.equal((await me.json()).sub, 'alice');
      await context.close();
    });
  }

  test('type the code (any case, spaces instead of dashes), deny: the device gets access_denied', async () => {
    const code = await requestDeviceCode(server.url);
    const context = await browser.newContext({ viewport: VIEWPORTS[0] });
    const page = await context.newPage();
    await page.goto(`${server.url}/activate`);
    await screenshot(page, 'enter-code');
    await page.getByLabel('User code').fill(code.user_code.toLowerCase().replace('-', ' '));
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('alice-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.getByRole('heading', { name: 'Request denied' }).waitFor();
    await screenshot(page, 'denied');
    assertOAuthError(await poll(server.url, code.device_code), 'access_denied');
    await context.close();
  });

  test('a wrong password and a wrong code re-render the form with a clear message', async () => {
    const code = await requestDeviceCode(server.url);
    const context = await browser.newContext({ viewport: VIEWPORTS[0] });
    const page = await context.newPage();
    await openLink(page, code.verification_uri_complete);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Wrong username or password.').waitFor();
    assert.equal(await page.getByLabel('Username').inputValue(), 'alice');

    await page.goto(`${server.url}/activate`);
    await page.getByLabel('User code').fill('BCDF-GHJK');
    await page.getByRole('button', { name: 'Continue' }).click();
    const alert = page.getByRole('alert');
    assert.match((await alert.textContent()) ?? '', /That code is not valid/);
    assert.equal(await page.getByLabel('User code').inputValue(), 'BCDF-GHJK');
    await screenshot(page, 'wrong-code');
    await context.close();
  });

  test('an XSS payload in the device name is shown as text and never runs', async () => {
    const payload = '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>';
    const code = await requestDeviceCode(server.url, { device_name: payload.slice(0, 100) });
    const context = await browser.newContext({ viewport: VIEWPORTS[1] });
    let dialogs = 0;
    const page = await signIn(context, code.verification_uri_complete);
    page.on('dialog', () => dialogs++);
    await page.getByRole('heading', { name: 'Connect this device?' }).waitFor();
    assert.equal(await page.locator('#device-name').textContent(), payload.slice(0, 100));
    assert.equal(await page.locator('#device img, #device script').count(), 0);
    assert.notEqual(await page.title(), 'pwned');
    assert.equal(dialogs, 0);
    await screenshot(page, 'xss-as-text');
    await context.close();
  });

  test('a POST without the CSRF token is refused and approves nothing', async () => {
    const code = await requestDeviceCode(server.url);
    const context = await browser.newContext();
    const page = await signIn(context, code.verification_uri_complete);
    await page.getByRole('heading', { name: 'Connect this device?' }).waitFor();
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    for (const csrf of [undefined, 'forged']) {
      const body: Record<string, string> = { user_code: code.user_code, decision: 'approve' };
      if (csrf) body.csrf = csrf;
      const answer = await post(`${server.url}/activate/decision`, body, { headers: { cookie } });
      assert.equal(answer.status, 403);
      assert.match(answer.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(answer.text, /Your session expired or the form was out of date/);
    }
    assertOAuthError(await poll(server.url, code.device_code), 'authorization_pending');
    await context.close();
  });

  test('pages carry strict security headers and no inline script', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(`${server.url}/activate`);
    const headers = response!.headers();
    assert.match(headers['content-security-policy'], /default-src 'none'/);
    assert.match(headers['content-security-policy'], /frame-ancestors 'none'/);
    assert.doesNotMatch(headers['content-security-policy'], /script-src|unsafe-inline/);
    assert.equal(headers['x-frame-options'], 'DENY');
    assert.equal(headers['referrer-policy'], 'no-referrer');
    assert.equal(headers['cache-control'], 'no-store');
    assert.equal(await page.locator('script').count(), 0);
    const cookie = (await context.cookies())[0];
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Lax');
    assert.equal(cookie.secure, false, 'plain http issuer: no Secure flag (it would be dropped)');
    await context.close();
  });

  test('the devices page lists what a person approved; disconnecting one makes its refresh fail', async () => {
    const code = await requestDeviceCode(server.url, { scope: 'openid offline_access', device_name: 'Hall thermostat', device_model: 'HT-9' });
    await server.grants.approve(code.user_code, 'alice');
    clock.advance(30);
    const tokens = await poll(server.url, code.device_code);
    assert.equal(tokens.status, 200, tokens.text);
    const context = await browser.newContext({ viewport: VIEWPORTS[0] });
    const page = await context.newPage();
    await page.goto(`${server.url}/devices`);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('alice-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Your devices' }).waitFor();
    const item = page.locator('.devices li', { hasText: 'Hall thermostat' });
    assert.equal(await item.count(), 1);
    await screenshot(page, 'devices');
    await item.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByText('The device was disconnected.').waitFor();
    assert.equal(await page.locator('.devices li', { hasText: 'Hall thermostat' }).count(), 0);
    const refreshed = await post(`${server.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token, client_id: 'demo-device' });
    assertOAuthError(refreshed, 'invalid_grant');
    await context.close();
  });

  test('Spanish by Accept-Language', async () => {
    const context = await browser.newContext({ locale: 'es-ES', viewport: VIEWPORTS[0] });
    const page = await context.newPage();
    await page.goto(`${server.url}/activate`);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Conectar un dispositivo');
    assert.ok(await page.getByLabel('Código de usuario').isVisible());
    assert.equal(await page.locator('html').getAttribute('lang'), 'es');
    await screenshot(page, 'enter-code-es');
    await context.close();
  });
});

describe('brute-force lockout in a real browser', { skip }, () => {
  test('wrong codes lock code entry, also for a right code, and the lock survives a restart', async () => {
    const db = tempSqlite();
    let server = await startServer({ databaseUrl: db.url });
    const browser = await launchChromium();
    try {
      const code = await requestDeviceCode(server.url);
      // Two browsers at one address, 5 wrong codes each: each session is locked, and with the 10th the address.
      for (const [round, letters] of ['CDFGH', 'JKLMN'].entries()) {
        const context = await browser.newContext({ viewport: VIEWPORTS[0] });
        const page = await context.newPage();
        await page.goto(`${server.url}/activate`);
        for (const letter of letters) {
          await page.getByLabel('User code').fill('BBBB-BBB' + letter);
          await page.getByRole('button', { name: 'Continue' }).click();
          await page.getByText('That code is not valid').waitFor();
        }
        await page.getByLabel('User code').fill(code.user_code);
        await page.getByRole('button', { name: 'Continue' }).click();
        await page.getByText('Too many wrong codes').waitFor();
        if (round === 0) await screenshot(page, 'locked-out');
        await context.close();
      }
      await server.close();

      server = await startServer({ databaseUrl: db.url });
      const again = await browser.newContext();
      const fresh = await again.newPage();
      await openLink(fresh, `${server.url}/activate?user_code=${code.user_code}`);
      await fresh.getByText('Too many wrong codes').waitFor();
      await again.close();
    } finally {
      await browser.close();
      await server.close();
      db.cleanup();
    }
  });
});
