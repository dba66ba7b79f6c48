// Brute force with real parallel requests: every guess is counted before it is evaluated, so a burst
// cannot get more guesses evaluated than the budget (RFC 8628 §5.1).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DeviceGrantEvent } from '../../src/events/device-grant-events.js';
import { DEFAULT_LIMITS } from '../../src/limits/limits.options.js';
import { CONFIDENTIAL_CLIENT, CONFIDENTIAL_SECRET, PUBLIC_CLIENT, requestDeviceCode } from '../support/device-flow.js';
import { startServer, TestClock, type TestServer } from '../support/test-server.js';
import { Visitor } from '../support/visitor.js';

const TIMEOUT = { timeout: 60_000 };
/** The defaults (`DEFAULT_LIMITS`): wrong codes per session and per address, wrong passwords per account and address. */
const SESSION_BUDGET = DEFAULT_LIMITS.codesPerSession.max;
const ADDRESS_BUDGET = DEFAULT_LIMITS.codesPerAddress.max;
const SIGN_IN_BUDGET = DEFAULT_LIMITS.signInPerAccountAndAddress.max;
const CODE_LETTERS = 'BCDFGHJKLMNPQRSTVWXZ';

/** The i-th of 400 well-formed codes that are (almost surely) not live. */
function wrongCode(i: number): string {
  return `BBBB-${CODE_LETTERS[i % 20]}${CODE_LETTERS[Math.floor(i / 20) % 20]}BB`;
}

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
      Array.from({ length: 60 }, (_, i) => visitor.request('/activate', { csrf, user_code: wrongCode(i) })),
    );
    const counted = statuses(answers);
    assert.ok((counted.get(400) ?? 0) <= SESSION_BUDGET, `evaluated: ${counted.get(400)}`);
    assert.equal((counted.get(400) ?? 0) + (counted.get(429) ?? 0), 60, JSON.stringify([...counted]));
    assert.ok((counted.get(429) ?? 0) >= 60 - SESSION_BUDGET);
    // One lockout for the locked session, not one per racing request.
    assert.equal(lockouts.length, 1, JSON.stringify(lockouts));
    // Locked, a right code is refused too, without being evaluated.
    const code = await requestDeviceCode(server.url);
    assert.equal((await visitor.request('/activate', { csrf, user_code: code.user_code })).status, 429);
    clock.advance(3600);
  });

  test('60 parallel wrong codes over 30 sessions from one address: at most the address budget evaluated, one address lockout', TIMEOUT, async () => {
    const lockoutsBefore = lockouts.length;
    const visitors = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const visitor = Visitor.at(server.url);
        return { visitor, csrf: Visitor.csrf((await visitor.request('/activate')).text) };
      }),
    );
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => visitors[i % 30].visitor.request('/activate', { csrf: visitors[i % 30].csrf, user_code: wrongCode(100 + i) })),
    );
    const counted = statuses(answers);
    assert.ok((counted.get(400) ?? 0) <= ADDRESS_BUDGET, `evaluated: ${counted.get(400)}`);
    assert.equal((counted.get(400) ?? 0) + (counted.get(429) ?? 0), 60, JSON.stringify([...counted]));
    const addressLockouts = lockouts.slice(lockoutsBefore).filter((event) => (event as { scope: string }).scope === 'code:ip');
    assert.equal(addressLockouts.length, 1, JSON.stringify(addressLockouts));
    // A fresh session from the same address is refused too: the address is the bound.
    const fresh = Visitor.at(server.url);
    const csrf = Visitor.csrf((await fresh.request('/activate')).text);
    const refused = await fresh.request('/activate', { csrf, user_code: wrongCode(399) });
    assert.equal(refused.status, 429);
    assert.match(refused.text, /Too many wrong codes/);
    clock.advance(2 * 86400);
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
    const paused = answers.find((answer) => answer.status === 429)!;
    assert.match(paused.text, /Too many wrong passwords/);
    // Another account from this address is not locked by alice's budget.
    const other = await visitor.request('/activate/sign-in', { csrf, username: 'mallory', password: 'wrong' });
    assert.equal(other.status, 401);
    clock.advance(2 * 86400);
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
    clock.advance(61); // a fresh minute of the address's device authorization rate (30)
    for (let i = 0; i < 3 * ADDRESS_BUDGET; i++) {
      const code = await requestDeviceCode(server.url);
      const visitor = Visitor.at(server.url);
      const csrf = Visitor.csrf((await visitor.request('/activate')).text);
      assert.equal((await visitor.request('/activate', { csrf, user_code: code.user_code })).status, 303, `device ${i + 1}`);
    }
  });
});

describe('IPv6 budgets by /64 (behind a trusted proxy that sets X-Forwarded-For)', () => {
  let server: TestServer;
  before(async () => (server = await startServer({ trustProxy: true })));
  after(() => server.close());

  const guessFrom = async (address: string, userCode: string) => {
    const visitor = Visitor.at(server.url, 'en', { 'x-forwarded-for': address });
    const csrf = Visitor.csrf((await visitor.request('/activate')).text);
    return (await visitor.request('/activate', { csrf, user_code: userCode })).status;
  };

  test('addresses of one /64 share the address budget; the next /64 has its own', TIMEOUT, async () => {
    for (let i = 0; i < ADDRESS_BUDGET; i++) assert.equal(await guessFrom(`2001:db8:1:2::${(i + 1).toString(16)}`, wrongCode(i)), 400, `guess ${i + 1}`);
    assert.equal(await guessFrom('2001:db8:1:2:ffff:ffff:ffff:fffe', wrongCode(50)), 429, 'another address of the same /64');
    assert.equal(await guessFrom('2001:db8:1:3::1', wrongCode(51)), 400, 'the next /64 is evaluated');
    const code = await requestDeviceCode(server.url);
    assert.equal(await guessFrom('2001:db8:1:3::2', code.user_code), 303, 'and a right code from it works');
  });
});

/** `count` POSTs to `path` on `url`, at most `parallel` in flight. */
async function flood(url: string, count: number, parallel: number, form: (i: number) => Record<string, string>, headers: Record<string, string> = {}) {
  const answers: { status: number; headers: Headers; text: string }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const i = next++;
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
          body: new URLSearchParams(form(i)).toString(),
        });
        answers.push({ status: response.status, headers: response.headers, text: await response.text() });
      }
    }),
  );
  return answers;
}

describe('grant creation and client-secret floods (SQLite)', () => {
  let server: TestServer;
  before(async () => (server = await startServer({ limits: { deviceAuthorizationsPerClient: { max: 100, window: 60 } } })));
  after(() => server.close());

  test('1,000 device authorization requests from one address: the rate answered, the rest 429 slow_down with Retry-After, never 5xx', TIMEOUT, async () => {
    const answers = await flood(`${server.url}/oauth/device_authorization`, 1000, 50, () => ({ client_id: PUBLIC_CLIENT, scope: 'openid' }));
    const counted = statuses(answers);
    assert.equal(counted.get(200), DEFAULT_LIMITS.deviceAuthorizationsPerAddress === false ? 0 : DEFAULT_LIMITS.deviceAuthorizationsPerAddress.max, JSON.stringify([...counted]));
    assert.equal(counted.get(429), 1000 - (counted.get(200) ?? 0));
    for (const answer of answers.filter((a) => a.status === 429)) {
      assert.deepEqual(JSON.parse(answer.text), { error: 'slow_down', error_description: 'too many device authorization requests from this address' });
      const retryAfter = Number(answer.headers.get('retry-after'));
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${answer.headers.get('retry-after')}`);
      assert.equal(answer.headers.get('cache-control'), 'no-store');
    }
  });

  test('per client: another address of the same client is refused once the client has spent its rate', TIMEOUT, async () => {
    // Behind no proxy every request is 127.0.0.1; the address rate is spent, so count the client with its own server.
    const own = await startServer({ limits: { deviceAuthorizationsPerAddress: false, deviceAuthorizationsPerClient: { max: 40, window: 60 } } });
    try {
      const answers = await flood(`${own.url}/oauth/device_authorization`, 100, 20, () => ({ client_id: PUBLIC_CLIENT }));
      const counted = statuses(answers);
      assert.equal(counted.get(200), 40, JSON.stringify([...counted]));
      assert.equal(counted.get(429), 60);
      assert.equal(JSON.parse(answers.find((a) => a.status === 429)!.text).error_description, 'too many device authorization requests for this client');
      // Another client is not affected.
      const other = await flood(`${own.url}/oauth/device_authorization`, 1, 1, () => ({ client_id: CONFIDENTIAL_CLIENT, client_secret: CONFIDENTIAL_SECRET }));
      assert.equal(other[0].status, 200, other[0].text);
    } finally {
      await own.close();
    }
  });

  test('300 parallel requests with wrong client secrets: 401 or 503 temporarily_unavailable with Retry-After, never another 5xx; the right secret is still answered', TIMEOUT, async () => {
    const token = `${server.url}/oauth/token`;
    const withSecret = (secret: string) => ({ grant_type: 'refresh_token', refresh_token: 'not-a-token', client_id: CONFIDENTIAL_CLIENT, client_secret: secret });
    // The right secret once before: it passes scrypt and is recognised from then on.
    assert.equal((await flood(token, 1, 1, () => withSecret(CONFIDENTIAL_SECRET)))[0].status, 400);
    const [answers, during] = await Promise.all([
      flood(token, 300, 300, (i) => withSecret(`wrong-${i}`)),
      new Promise((resolve) => setTimeout(resolve, 20)).then(() => flood(token, 1, 1, () => withSecret(CONFIDENTIAL_SECRET))),
    ]);
    const counted = statuses(answers);
    assert.deepEqual([...counted.keys()].sort(), [401, 503], JSON.stringify([...counted]));
    const busy = answers.find((answer) => answer.status === 503)!;
    assert.equal(JSON.parse(busy.text).error, 'temporarily_unavailable');
    assert.equal(busy.headers.get('retry-after'), '1');
    assert.equal(JSON.parse(during[0].text).error, 'invalid_grant', 'the right secret passed client authentication during the flood');
  });
});
