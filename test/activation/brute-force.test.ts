// Brute force with real parallel requests: every guess is counted before it is evaluated, so a burst
// cannot get more guesses evaluated than the budget (RFC 8628 §5.1).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DeviceGrantEvent } from '../../src/events/device-grant-events.js';
import { requestDeviceCode } from '../support/device-flow.js';
import { startServer, TestClock, type TestServer } from '../support/test-server.js';
import { Visitor } from '../support/visitor.js';

const TIMEOUT = { timeout: 60_000 };
/** The defaults: `activation.maxFailures` wrong codes, and 10 wrong passwords, per window. */
const CODE_BUDGET = 5;
const SIGN_IN_BUDGET = 10;

function statuses(answers: { status: number }[]): Map<number, number> {
  const counted = new Map<number, number>();
  for (const { status } of answers) counted.set(status, (counted.get(status) ?? 0) + 1);
  return counted;
}

describe('brute-force budgets under parallel requests (SQLite)', () => {
  const clock = new TestClock();
  let server: TestServer;
  let lockouts: unknown[];
  before(async () => {
    server = await startServer({ clock });
    lockouts = [];
    server.app.get((await import('@nestjs/event-emitter')).EventEmitter2).on(DeviceGrantEvent.Lockout, (event: unknown) => lockouts.push(event));
  });
  after(() => server.close());

  test('60 parallel wrong codes in one session: at most the budget evaluated, the rest 429, one lockout', TIMEOUT, async () => {
    const visitor = Visitor.at(server.url);
    const csrf = Visitor.csrf((await visitor.request('/activate')).text);
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => visitor.request('/activate', { csrf, user_code: `BBBB-${'BCDFGHJKLMNPQRSTVWXZ'[i % 20]}${'BCDFGHJKLMNPQRSTVWXZ'[Math.floor(i / 20)]}BB` })),
    );
    const counted = statuses(answers);
    assert.ok((counted.get(400) ?? 0) <= CODE_BUDGET, `evaluated: ${counted.get(400)}`);
    assert.equal((counted.get(400) ?? 0) + (counted.get(429) ?? 0), 60, JSON.stringify([...counted]));
    assert.ok((counted.get(429) ?? 0) >= 60 - CODE_BUDGET);
    // One lockout per locked key (the address and the session), not one per racing request.
    assert.ok(lockouts.length <= 2, `${lockouts.length} lockout events`);
    // Locked, a right code is refused too, without being evaluated.
    const code = await requestDeviceCode(server.url);
    assert.equal((await visitor.request('/activate', { csrf, user_code: code.user_code })).status, 429);
    clock.advance(3600);
  });

  test('40 parallel wrong passwords on one sign-in form: at most the budget evaluated', TIMEOUT, async () => {
    const code = await requestDeviceCode(server.url);
    const visitor = Visitor.at(server.url);
    assert.equal((await visitor.openCode(code.user_code)).status, 303);
    const csrf = Visitor.csrf((await visitor.request('/activate/confirm')).text);
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => visitor.request('/activate/sign-in', { csrf, username: 'alice', password: `wrong-${i}` })),
    );
    const counted = statuses(answers);
    assert.ok((counted.get(401) ?? 0) <= SIGN_IN_BUDGET, `evaluated: ${counted.get(401)}`);
    assert.equal((counted.get(401) ?? 0) + (counted.get(429) ?? 0), 40, JSON.stringify([...counted]));
    clock.advance(3600);
  });

  test('a page of 20 cookie-less wrong-code links (and QR images) spends no guess: a right code typed next still works', TIMEOUT, async () => {
    const lockoutsBefore = lockouts.length;
    const links = Array.from({ length: 20 }, (_, i) => `BBBB-${'BCDFGHJKLMNPQRSTVWXZ'[i]}BBB`);
    // What <img src> tags on any web page make a browser fetch: no cookie, no form.
    const fetched = await Promise.all(
      links.flatMap((userCode) => [fetch(`${server.url}/activate?user_code=${userCode}`), fetch(`${server.url}/activate/qr?user_code=${userCode}`)]),
    );
    assert.ok(fetched.every((answer) => answer.status === 200), fetched.map((answer) => answer.status).join());
    const code = await requestDeviceCode(server.url);
    const visitor = Visitor.at(server.url);
    const csrf = Visitor.csrf((await visitor.request('/activate')).text);
    assert.equal((await visitor.request('/activate', { csrf, user_code: code.user_code })).status, 303);
    assert.equal(lockouts.length, lockoutsBefore, 'no lockout');
  });

  test('right codes give their attempt back: a household pairing many devices is not locked out', TIMEOUT, async () => {
    for (let i = 0; i < 3 * CODE_BUDGET; i++) {
      const code = await requestDeviceCode(server.url);
      const visitor = Visitor.at(server.url);
      const csrf = Visitor.csrf((await visitor.request('/activate')).text);
      assert.equal((await visitor.request('/activate', { csrf, user_code: code.user_code })).status, 303, `device ${i + 1}`);
    }
  });
});
