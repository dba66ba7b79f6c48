import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { RateLimitService } from '../../src/limits/rate-limit.service.js';
import { DEVICE_CODE_GRANT_TYPE } from '../../src/constants.js';
import { poll, refresh, requestDeviceCode } from '../support/device-flow.js';
import { get, post } from '../support/http.js';
import { TEST_METRICS_TOKEN } from '../support/test-keys.js';
import { ADAPTERS, startServer, TestClock, type TestServer } from '../support/test-server.js';

/** One sample of the Prometheus text, e.g. `device_grant_polls_total{answer="slow_down"}`; 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

for (const adapter of ADAPTERS) {
  describe(`GET /metrics (${adapter})`, () => {
    const clock = new TestClock();
    let server: TestServer;

    before(async () => {
      server = await startServer({ adapter, clock });
    });
    after(() => server.close());

    const scrape = async () => {
      const answer = await get(`${server.url}/metrics`, { authorization: `Bearer ${TEST_METRICS_TOKEN}` });
      assert.equal(answer.status, 200);
      assert.match(answer.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      return answer.text;
    };

    test('refused without the bearer token (metricsToken), or with another: 401 with a Bearer challenge, nothing counted shown', async () => {
      for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong-token' }, { authorization: `Basic ${TEST_METRICS_TOKEN}` }, { authorization: `Bearer ${TEST_METRICS_TOKEN}x` }]) {
        const refused = await get(`${server.url}/metrics`, headers);
        assert.equal(refused.status, 401, JSON.stringify(headers));
        assert.equal(refused.headers.get('www-authenticate'), 'Bearer realm="metrics"');
        assert.doesNotMatch(refused.text, /device_grant_/);
      }
    });

    test('counters move with a full flow: grants by outcome, polls by answer, tokens by grant type, lockouts, latency', async () => {
      const before = await scrape();
      assert.match(before, /# TYPE device_grant_http_request_duration_seconds histogram/);

      // Approved and redeemed, after a pending poll and a slow_down; then a refresh and an invalid_grant.
      const approved = await requestDeviceCode(server.url);
      await poll(server.url, approved.device_code);
      await poll(server.url, approved.device_code);
      clock.advance(10);
      await server.grants.approve(approved.user_code, 'alice');
      const tokens = await poll(server.url, approved.device_code);
      assert.equal(tokens.status, 200);
      assert.equal((await refresh(server.url, tokens.body.refresh_token)).status, 200);
      clock.advance(10);
      await poll(server.url, approved.device_code);
      // Denied, and one that expired.
      const denied = await requestDeviceCode(server.url);
      await server.grants.deny(denied.user_code);
      await poll(server.url, denied.device_code);
      const expired = await requestDeviceCode(server.url);
      clock.advance(601);
      await poll(server.url, expired.device_code);
      // A lockout of user-code entry.
      const limits = server.app.get(RateLimitService);
      await limits.failed(await limits.attempt([{ key: 'code:ip:192.0.2.1', budget: { max: 1, window: 60, lockout: 60, maxLockout: 60 } }]));
      // A failed client authentication on the token endpoint is counted as that answer.
      await post(`${server.url}/oauth/token`, { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: 'x'.repeat(43), client_id: 'nobody' });

      const text = await scrape();
      const moved = (series: string) => sample(text, series) - sample(before, series);
      assert.equal(moved('device_grant_grants_total{outcome="requested"}'), 3);
      assert.equal(moved('device_grant_grants_total{outcome="approved"}'), 1);
      assert.equal(moved('device_grant_grants_total{outcome="denied"}'), 1);
      assert.equal(moved('device_grant_grants_total{outcome="expired"}'), 1);
      assert.equal(moved('device_grant_grants_total{outcome="redeemed"}'), 1);
      assert.equal(moved('device_grant_polls_total{answer="authorization_pending"}'), 1);
      assert.equal(moved('device_grant_polls_total{answer="slow_down"}'), 1);
      assert.equal(moved('device_grant_polls_total{answer="success"}'), 1);
      assert.equal(moved('device_grant_polls_total{answer="invalid_grant"}'), 1);
      assert.equal(moved('device_grant_polls_total{answer="access_denied"}'), 1);
      assert.equal(moved('device_grant_polls_total{answer="expired_token"}'), 1);
      assert.equal(moved('device_grant_polls_total{answer="invalid_client"}'), 1);
      assert.equal(moved('device_grant_tokens_issued_total{grant_type="device_code"}'), 1);
      assert.equal(moved('device_grant_tokens_issued_total{grant_type="refresh_token"}'), 1);
      assert.equal(moved('device_grant_lockouts_total{kind="code"}'), 1);
      assert.equal(moved('device_grant_http_request_duration_seconds_count{endpoint="device_authorization",method="POST",status="200"}'), 3);
      assert.equal(moved('device_grant_http_request_duration_seconds_count{endpoint="token",method="POST",status="200"}'), 2);
      assert.equal(moved('device_grant_http_request_duration_seconds_count{endpoint="token",method="POST",status="400"}'), 5);
      assert.equal(moved('device_grant_http_request_duration_seconds_count{endpoint="token",method="POST",status="401"}'), 1);
      assert.ok(sample(text, 'device_grant_http_request_duration_seconds_sum{endpoint="token",method="POST",status="200"}') > 0);
      assert.match(text, /^process_cpu_user_seconds_total /m, 'process metrics too');
      assert.doesNotMatch(text, new RegExp(`${approved.device_code}|${tokens.body.refresh_token}|alice`), 'no secrets or people in labels');
    });
  });
}

describe('two applications in one process', () => {
  test('each has its own registry: no clash, no shared counts', async () => {
    const [a, b] = await Promise.all([startServer(), startServer()]);
    try {
      await requestDeviceCode(a.url);
      await requestDeviceCode(a.url);
      await requestDeviceCode(b.url);
      const auth = { authorization: `Bearer ${TEST_METRICS_TOKEN}` };
      const [textA, textB] = await Promise.all([get(`${a.url}/metrics`, auth), get(`${b.url}/metrics`, auth)]);
      assert.equal(sample(textA.text, 'device_grant_grants_total{outcome="requested"}'), 2);
      assert.equal(sample(textB.text, 'device_grant_grants_total{outcome="requested"}'), 1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
