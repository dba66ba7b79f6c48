import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { DEVICE_CODE_GRANT_TYPE } from '../../src/constants.js';
import { poll, requestDeviceCode, PUBLIC_CLIENT } from '../support/device-flow.js';
import { post } from '../support/http.js';
import { assertOAuthError } from '../support/oauth-assertions.js';
import { createPostgresDatabase } from '../support/postgres.js';
import { RoundRobin, startFleet, type ServerProcess } from '../support/server-process.js';
import { Visitor } from '../support/visitor.js';

// Real waits in the slow_down test: each instance is a process running main.js on its system clock (it
// takes no injected clock), and the intervals the instances must agree on are what is under test.
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const count of [2, 3]) {
  const database = await createPostgresDatabase();
  describe(`${count} server processes on one PostgreSQL database`, { skip: 'skip' in database ? database.skip : false }, () => {
    let fleet: ServerProcess[] = [];
    let balancer: RoundRobin;

    before(async () => {
      if ('skip' in database) return;
      fleet = await startFleet(count, database.url, { POLLING_INTERVAL: '1' });
      balancer = new RoundRobin(fleet);
    });
    after(async () => {
      await Promise.all(fleet.map((server) => server.stop()));
      if (!('skip' in database)) await database.drop();
    });

    test('a device polling across instances gets slow_down exactly as on one, and never when it keeps the interval', async () => {
      const code = await requestDeviceCode(balancer.url());
      assertOAuthError(await poll(fleet[0].url, code.device_code), 'authorization_pending');
      assertOAuthError(await poll(fleet[1].url, code.device_code), 'slow_down'); // interval is now 6 s
      await sleep(3000);
      assertOAuthError(await poll(fleet[count - 1].url, code.device_code), 'slow_down'); // 3 s < 6 s; now 11 s
      await sleep(11_200);
      assertOAuthError(await poll(fleet[0].url, code.device_code), 'authorization_pending');
    });

    test('a session started on one instance continues on the others; a token from one verifies on every other', async () => {
      const code = await requestDeviceCode(fleet[0].url, { scope: 'openid profile' });
      const visitor = new Visitor(() => balancer.url());
      await visitor.decide(code.user_code); // each request of the flow lands on the next instance
      const tokens = await poll(fleet[1 % count].url, code.device_code);
      assert.equal(tokens.status, 200, tokens.text);
      for (const server of fleet) {
        const jwks = createRemoteJWKSet(new URL(`${server.url}/oauth/jwks`));
        const { payload } = await jwtVerify(tokens.body.access_token, jwks, { issuer: fleet[0].url, typ: 'at+jwt' });
        assert.equal(payload.sub, 'alice');
      }
    });

    if (count === 3) {
      test('200 approved grants, each hit by 20 concurrent polls spread over the instances: exactly 200 token responses', async () => {
        const codes = await Promise.all(Array.from({ length: 200 }, () => requestDeviceCode(balancer.url(), { scope: 'openid offline_access' })));
        const visitor = new Visitor(() => balancer.url());
        for (const code of codes) await visitor.decide(code.user_code);
        let tokenResponses = 0;
        const perGrant = new Map<string, number>();
        for (let i = 0; i < codes.length; i += 10) {
          const answers = await Promise.all(
            codes.slice(i, i + 10).flatMap((code) =>
              Array.from({ length: 20 }, (_, n) =>
                post(`${fleet[n % count].url}/oauth/token`, {
                  grant_type: DEVICE_CODE_GRANT_TYPE,
                  device_code: code.device_code,
                  client_id: PUBLIC_CLIENT,
                }).then((answer) => ({ code: code.device_code, answer })),
              ),
            ),
          );
          for (const { code, answer } of answers) {
            if (answer.status === 200) {
              tokenResponses++;
              perGrant.set(code, (perGrant.get(code) ?? 0) + 1);
            } else {
              assertOAuthError(answer, 'invalid_grant');
            }
          }
        }
        assert.equal(tokenResponses, 200);
        assert.equal(perGrant.size, 200, 'every grant redeemed exactly once');
      });
    }

    test('a sign-out on one instance signs a copy of the cookie out on every instance', async () => {
      const code = await requestDeviceCode(fleet[0].url);
      const visitor = new Visitor(() => fleet[0].url);
      const consent = await visitor.openConsent(code.user_code);
      const copied = visitor.copy();
      for (const server of fleet) {
        assert.doesNotMatch((await copied.copyTo(server.url).request('/devices')).text, /name="password"/, `signed in on ${server.url} before`);
      }
      assert.equal((await visitor.request('/activate/sign-out', { csrf: Visitor.csrf(consent) })).status, 303);
      for (const server of fleet) {
        const replayed = await copied.copyTo(server.url).request('/devices');
        assert.equal(replayed.status, 200);
        assert.match(replayed.text, /name="password"/, `signed out on ${server.url}`);
      }
    });

    test('a user-code lockout reached on one instance holds on the others', async () => {
      const code = await requestDeviceCode(balancer.url());
      // Two sessions of 5 wrong codes each spend the address's 10: the address is locked everywhere.
      for (const visitor of [new Visitor(() => balancer.url()), new Visitor(() => balancer.url())]) {
        let csrf = Visitor.csrf((await visitor.request('/activate')).text);
        for (let i = 0; i < 5; i++) {
          const wrong = await visitor.request('/activate', { csrf, user_code: `BBBB-BBB${'CDFGH'[i]}` });
          assert.equal(wrong.status, 400);
          csrf = Visitor.csrf(wrong.text);
        }
      }
      for (const server of fleet) {
        const locked = await Visitor.at(server.url).openCode(code.user_code);
        assert.equal(locked.status, 429, `instance ${server.url}`);
        assert.match(locked.text, /Too many wrong codes/);
      }
    });
  });
}
