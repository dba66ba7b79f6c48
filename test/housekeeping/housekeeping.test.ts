import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import { DataSource } from 'typeorm';
import { HousekeepingService } from '../../src/housekeeping/housekeeping.service.js';
import { DeviceGrantEntity, RateLimitEntity, RefreshTokenEntity } from '../../src/persistence/entities/index.js';
import { poll, requestDeviceCode } from '../support/device-flow.js';
import { post } from '../support/http.js';
import { startServer, tempSqlite, TestClock } from '../support/test-server.js';

describe('housekeeping', () => {
  test('purges finished grants, expired tokens and stale counters; keeps grants whose device holds live tokens', async () => {
    const clock = new TestClock();
    const server = await startServer({ clock });
    try {
      const dataSource = server.app.get(DataSource);
      const grants = dataSource.getRepository(DeviceGrantEntity);
      const pending = await requestDeviceCode(server.url);
      const denied = await requestDeviceCode(server.url);
      await server.grants.deny(denied.user_code);
      const connected = await requestDeviceCode(server.url, { scope: 'openid offline_access' });
      await server.grants.approve(connected.user_code, 'alice');
      const tokens = await poll(server.url, connected.device_code);
      assert.equal(tokens.status, 200);
      const shortLived = await requestDeviceCode(server.url, { scope: 'openid' });
      await server.grants.approve(shortLived.user_code, 'alice');
      assert.equal((await poll(server.url, shortLived.device_code)).status, 200);
      await dataSource.getRepository(RateLimitEntity).insert({
        key: 'code:ip:203.0.113.9',
        windowStart: clock.now(),
        failures: 3,
        lockedUntil: 0,
        lockouts: 0,
        updatedAt: clock.now(),
      });

      const housekeeping = server.app.get(HousekeepingService);
      assert.deepEqual(await housekeeping.purge(), { grants: 0, refreshTokens: 0, accessTokens: 0, rateLimits: 0, signIns: 0 }, 'nothing is old yet');

      clock.advance(600 + 86400 + 1); // past expiry and the retention
      const report = await housekeeping.purge();
      assert.equal(report.grants, 3, 'pending, denied, and the redeemed grant without live tokens');
      assert.equal(report.accessTokens, 2);
      assert.equal(report.rateLimits, 3, 'the stale counter, and the device authorization counts of this address and client');
      assert.equal(report.refreshTokens, 0, 'the refresh token lives 30 days');
      const left = await grants.find();
      assert.deepEqual(left.map((grant) => grant.status), ['redeemed']);
      assert.equal(await dataSource.getRepository(RefreshTokenEntity).count(), 1);

      // The kept device refreshes fine; then, 31 days on, it is all gone.
      const refreshed = await post(`${server.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token, client_id: 'demo-device' });
      assert.equal(refreshed.status, 200, refreshed.text);
      clock.advance(31 * 86400 + 86400 + 1);
      const later = await housekeeping.purge();
      assert.equal(later.grants, 1);
      assert.equal(later.refreshTokens, 2);
      assert.equal(await grants.count(), 0);
      assert.equal(await server.grants.findPending(pending.user_code), null);
    } finally {
      await server.close();
    }
  });

  test('works in batches, and two instances purging at once share the work', async () => {
    const db = tempSqlite();
    const clock = new TestClock();
    const first = await startServer({ databaseUrl: db.url, clock });
    const second = await startServer({ databaseUrl: db.url, clock });
    try {
      const grants = first.app.get(DataSource).getRepository(DeviceGrantEntity);
      const now = clock.now();
      const rows = Array.from({ length: 2600 }, (_, i) => ({
        id: randomUUID(),
        deviceCodeHash: `hash-${i}-${randomUUID()}`,
        userCode: `U${i}`,
        clientId: 'demo-device',
        scope: '',
        status: 'pending' as const,
        subject: null,
        interval: 5,
        lastPolledAt: null,
        createdAt: now - 2 * 86400_000,
        expiresAt: now - 2 * 86400_000 + 600_000,
        decidedAt: null,
        redeemedAt: null,
        deviceName: null,
        deviceModel: null,
        deviceSerial: null,
        requestIp: null,
        requestUserAgent: null,
      }));
      for (let i = 0; i < rows.length; i += 200) await grants.insert(rows.slice(i, i + 200));
      const live = await requestDeviceCode(first.url);
      const [a, b] = await Promise.all([first.app.get(HousekeepingService).purge(), second.app.get(HousekeepingService).purge()]);
      assert.equal(a.grants + b.grants, 2600);
      assert.equal(await grants.count(), 1);
      assert.ok(await first.grants.findPending(live.user_code), 'the live grant stays');
    } finally {
      await first.close();
      await second.close();
      db.cleanup();
    }
  });
});
