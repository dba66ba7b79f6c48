// The brute-force budgets across instances: two server processes on one PostgreSQL database, the
// attacker's parallel requests spread over both. Each test comes from its own address (the servers
// trust the test as their proxy), so the budgets of one test do not spend another's.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_LIMITS } from '../../src/limits/limits.options.js';
import { PUBLIC_CLIENT, requestDeviceCode } from '../support/device-flow.js';
import { createPostgresDatabase } from '../support/postgres.js';
import { RoundRobin, startFleet, type ServerProcess } from '../support/server-process.js';
import { Visitor } from '../support/visitor.js';

const TIMEOUT = { timeout: 120_000 };
const CODE_LETTERS = 'BCDFGHJKLMNPQRSTVWXZ';
const wrongCode = (i: number) => `CCCC-${CODE_LETTERS[i % 20]}${CODE_LETTERS[Math.floor(i / 20) % 20]}CC`;

function statuses(answers: { status: number }[]): Map<number, number> {
  const counted = new Map<number, number>();
  for (const { status } of answers) counted.set(status, (counted.get(status) ?? 0) + 1);
  return counted;
}

const database = await createPostgresDatabase();
describe('brute-force budgets on two instances sharing PostgreSQL', { skip: 'skip' in database ? database.skip : false }, () => {
  let fleet: ServerProcess[] = [];
  let balancer: RoundRobin;

  before(async () => {
    if ('skip' in database) return;
    // The default limits (the fleet helper lifts the device authorization rates unless told otherwise).
    fleet = await startFleet(2, database.url, { LIMITS: '{}', TRUST_PROXY: 'true' });
    balancer = new RoundRobin(fleet);
  });
  after(async () => {
    await Promise.all(fleet.map((server) => server.stop()));
    if (!('skip' in database)) await database.drop();
  });

  /** A visitor from `address` whose requests alternate between the instances. */
  const visitorFrom = (address: string) => new Visitor(() => balancer.url(), 'en', { 'x-forwarded-for': address });

  test('60 parallel wrong codes in one session: at most the session budget evaluated', TIMEOUT, async () => {
    const visitor = visitorFrom('198.51.100.1');
    const csrf = Visitor.csrf((await visitor.request('/activate')).text);
    const counted = statuses(await Promise.all(Array.from({ length: 60 }, (_, i) => visitor.request('/activate', { csrf, user_code: wrongCode(i) }))));
    assert.ok((counted.get(400) ?? 0) <= DEFAULT_LIMITS.codesPerSession.max, JSON.stringify([...counted]));
    assert.equal((counted.get(400) ?? 0) + (counted.get(429) ?? 0), 60, JSON.stringify([...counted]));
  });

  test('60 parallel wrong codes over 30 sessions from one address: at most the address budget evaluated', TIMEOUT, async () => {
    const visitors = await Promise.all(
      Array.from({ length: 30 }, async () => {
        const visitor = visitorFrom('198.51.100.2');
        return { visitor, csrf: Visitor.csrf((await visitor.request('/activate')).text) };
      }),
    );
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) => visitors[i % 30].visitor.request('/activate', { csrf: visitors[i % 30].csrf, user_code: wrongCode(100 + i) })),
    );
    const counted = statuses(answers);
    assert.ok((counted.get(400) ?? 0) <= DEFAULT_LIMITS.codesPerAddress.max, JSON.stringify([...counted]));
    assert.equal((counted.get(400) ?? 0) + (counted.get(429) ?? 0), 60, JSON.stringify([...counted]));
  });

  test('40 parallel wrong passwords: at most the (account, address) budget evaluated', TIMEOUT, async () => {
    const code = await requestDeviceCode(fleet[0].url);
    const visitor = visitorFrom('198.51.100.3');
    assert.equal((await visitor.openCode(code.user_code)).status, 303);
    const csrf = Visitor.csrf((await visitor.request('/activate/confirm')).text);
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => visitor.request('/activate/sign-in', { csrf, username: 'alice', password: `wrong-${i}` })),
    );
    const counted = statuses(answers);
    assert.ok((counted.get(401) ?? 0) <= DEFAULT_LIMITS.signInPerAccountAndAddress.max, JSON.stringify([...counted]));
    assert.equal((counted.get(401) ?? 0) + (counted.get(429) ?? 0), 40, JSON.stringify([...counted]));
  });

  test('1,000 device authorization requests from one address over both instances: the rate answered, the rest 429, never 5xx', TIMEOUT, async () => {
    const answers: { status: number; retryAfter: string | null }[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (next < 1000) {
          next++;
          const response = await fetch(`${balancer.url()}/oauth/device_authorization`, {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '198.51.100.4' },
            body: new URLSearchParams({ client_id: PUBLIC_CLIENT }).toString(),
          });
          await response.arrayBuffer();
          answers.push({ status: response.status, retryAfter: response.headers.get('retry-after') });
        }
      }),
    );
    const counted = statuses(answers);
    const rate = DEFAULT_LIMITS.deviceAuthorizationsPerAddress;
    assert.ok(rate !== false);
    assert.equal(counted.get(200), rate.max, JSON.stringify([...counted]));
    assert.equal(counted.get(429), 1000 - rate.max);
    assert.ok(answers.filter((answer) => answer.status === 429).every((answer) => Number(answer.retryAfter) >= 1));
  });
});
