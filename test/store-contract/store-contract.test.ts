// The store contract (src/persistence/device-grant-store.ts) checked against every implementation: the
// TypeORM store on SQLite and on PostgreSQL, and the memory store the unit specs use. Each rule the
// contract states is tried here, concurrent callers included, so the implementations cannot drift.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DataSource } from 'typeorm';
import type { DeviceGrantStore } from '../../src/persistence/device-grant-store.js';
import { buildDataSourceOptions } from '../../src/persistence/data-source-options.js';
import { MemoryDeviceGrantStore } from '../../src/persistence/memory/memory-device-grant.store.js';
import type { AccessTokenRecord, ClientRecord, NewGrant, RefreshTokenRecord } from '../../src/persistence/records.js';
import { TypeOrmDeviceGrantStore } from '../../src/persistence/typeorm/typeorm-device-grant.store.js';
import { createPostgresDatabase } from '../support/postgres.js';

const options = { timeout: 60_000 };
const T0 = Date.UTC(2026, 11, 1);
let sequence = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${++sequence}`.padEnd(36, '0').slice(0, 36);

function newGrant(overrides: Partial<NewGrant> = {}): NewGrant {
  const id = unique('g');
  return {
    id,
    deviceCodeHash: unique('h'),
    userCode: unique('U').slice(0, 16),
    clientId: 'device',
    scope: 'openid offline_access',
    interval: 5,
    createdAt: T0,
    expiresAt: T0 + 600_000,
    deviceName: null,
    deviceModel: null,
    deviceSerial: null,
    requestIp: null,
    requestUserAgent: null,
    ...overrides,
  };
}

function refreshToken(overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  return {
    id: unique('r'),
    tokenHash: unique('t'),
    familyId: unique('f'),
    grantId: unique('g'),
    clientId: 'device',
    subject: 'alice',
    scope: 'openid',
    createdAt: T0,
    expiresAt: T0 + 3_600_000,
    usedAt: null,
    revokedAt: null,
    supersededAt: null,
    ...overrides,
  };
}

function accessToken(overrides: Partial<AccessTokenRecord> = {}): AccessTokenRecord {
  return { jti: unique('a'), grantId: unique('g'), familyId: null, clientId: 'device', subject: 'alice', createdAt: T0, expiresAt: T0 + 600_000, revokedAt: null, ...overrides };
}

const CLIENT: ClientRecord = {
  clientId: 'device',
  name: 'Living-room TV',
  secretHash: null,
  previousSecretHash: null,
  previousSecretExpiresAt: null,
  scopes: 'openid offline_access',
  grantTypes: 'urn:ietf:params:oauth:grant-type:device_code refresh_token',
  accessTokenTtl: null,
  refreshTokenTtl: null,
  alwaysIssueRefreshToken: false,
  disabled: false,
  createdAt: T0,
};

/** An approved grant of alice's, as the activation page leaves it. */
async function approvedGrant(store: DeviceGrantStore): Promise<NewGrant> {
  const grant = newGrant();
  assert.ok(await store.grants.issue(grant));
  assert.ok(await store.grants.decide(grant.userCode, { status: 'approved', subject: 'alice' }, T0));
  return grant;
}

const count = <T>(values: T[], value: T) => values.filter((v) => v === value).length;

function contract(name: string, open: () => Promise<{ store: DeviceGrantStore; close(): Promise<void> } | { skip: string }>) {
  describe(`store contract: ${name}`, options, () => {
    let store: DeviceGrantStore;
    let close = async () => {};
    let skip: string | undefined;
    before(async () => {
      const opened = await open();
      if ('skip' in opened) skip = opened.skip;
      else ({ store, close } = opened);
      if (store) await store.clients.save(CLIENT);
    });
    after(() => close());
    const it = (title: string, body: () => Promise<void>) => test(title, options, (t) => (skip ? t.skip(skip) : body()));

    it('issue: a user code is taken once, whoever asks at the same time', async () => {
      const grants = Array.from({ length: 8 }, () => newGrant({ userCode: 'SAMECODE' + name.length }));
      const results = await Promise.all(grants.map((grant) => store.grants.issue(grant)));
      assert.equal(count(results, true), 1);
      const pending = await store.grants.findPendingByUserCode('SAMECODE' + name.length, T0);
      assert.equal(pending?.status, 'pending');
      assert.equal(await store.grants.findPendingByUserCode('SAMECODE' + name.length, T0 + 600_000), null, 'expired');
    });

    it('stampOnTimePoll: the first poll, then one per interval; of concurrent polls one', async () => {
      const grant = newGrant();
      await store.grants.issue(grant);
      const poll = (at: number, clientId = 'device') => store.grants.stampOnTimePoll({ deviceCodeHash: grant.deviceCodeHash, clientId, at });
      assert.equal(await poll(T0 + 1000, 'other'), false, 'another client');
      assert.deepEqual(count(await Promise.all([1, 2, 3, 4].map(() => poll(T0 + 1000))), true), 1);
      assert.equal(await poll(T0 + 5999), false, 'too early');
      assert.equal(await poll(T0 + 6000), true);
      assert.equal(await poll(T0 + 600_000 + 10_000), false, 'expired');
      assert.equal(await store.grants.stampOnTimePoll({ deviceCodeHash: 'nothing', clientId: 'device', at: T0 }), false);
    });

    it('slowDown: each too-early poll grows the interval by 5 s for good, together or apart', async () => {
      const grant = newGrant();
      await store.grants.issue(grant);
      const slow = (at: number, max = 60) => store.grants.slowDown({ deviceCodeHash: grant.deviceCodeHash, clientId: 'device', at }, max);
      assert.equal(await slow(T0 + 1000), 10);
      const together = await Promise.all([slow(T0 + 2000), slow(T0 + 2000), slow(T0 + 2000)]);
      assert.ok(together.every((interval) => interval !== undefined && interval >= 15));
      assert.equal((await store.grants.findByDeviceCode(grant.deviceCodeHash))?.interval, 25);
      assert.equal(await slow(T0 + 2500, 27), 27, 'it grows to the maximum and no further');
      assert.deepEqual(await Promise.all([slow(T0 + 2600, 27), slow(T0 + 2600, 27)]), [27, 27]);
      assert.equal(await slow(T0 + 2700, 20), 27, 'a lower maximum never shrinks it');
      await store.grants.decide(grant.userCode, { status: 'denied' }, T0 + 3000);
      assert.equal(await slow(T0 + 4000), undefined, 'a decided grant is not slowed down');
    });

    it('decide: of concurrent decisions exactly one wins', async () => {
      const grant = newGrant();
      await store.grants.issue(grant);
      const results = await Promise.all([
        store.grants.decide(grant.userCode, { status: 'approved', subject: 'alice' }, T0 + 1),
        store.grants.decide(grant.userCode, { status: 'denied' }, T0 + 1),
        store.grants.decide(grant.userCode, { status: 'approved', subject: 'bob' }, T0 + 1),
      ]);
      assert.equal(results.filter((result) => result !== null).length, 1);
      assert.equal(await store.grants.decide(newGrant().userCode, { status: 'denied' }, T0), null, 'unknown code');
    });

    it('redeem: exactly once among concurrent polls; unredeem gives it back; a disconnected grant never', async () => {
      const grant = await approvedGrant(store);
      const results = await Promise.all(Array.from({ length: 6 }, () => store.grants.redeem(grant.id, T0 + 10)));
      assert.equal(count(results, true), 1);
      await store.grants.unredeem(grant.id);
      assert.equal(await store.grants.redeem(grant.id, T0 + 20), true);
      const other = await approvedGrant(store);
      assert.ok(await store.grants.disconnect('alice', other.id, T0 + 30));
      assert.equal(await store.grants.isDisconnected(other.id), true);
      assert.equal(await store.grants.redeem(other.id, T0 + 40), false);
    });

    it('disconnect: only the subject\'s own, and its tokens go with it; listConnected follows', async () => {
      const grant = await approvedGrant(store);
      await store.grants.redeem(grant.id, T0 + 10);
      const refresh = refreshToken({ grantId: grant.id });
      const access = accessToken({ grantId: grant.id, familyId: refresh.familyId, createdAt: T0 + 20 });
      await store.refreshTokens.insert(refresh);
      await store.accessTokens.insert(access);
      const listed = await store.grants.listConnected('alice', T0 + 30);
      const mine = listed.find((connected) => connected.grant.id === grant.id);
      assert.equal(mine?.clientName, 'Living-room TV');
      assert.equal(mine?.lastUsedAt, T0 + 20);
      assert.equal(await store.grants.disconnect('mallory', grant.id, T0 + 40), null);
      assert.equal((await store.grants.disconnect('alice', grant.id, T0 + 40))?.id, grant.id);
      assert.equal(await store.grants.disconnect('alice', grant.id, T0 + 50), null, 'once');
      assert.notEqual((await store.refreshTokens.find(refresh.tokenHash))?.revokedAt, null);
      assert.notEqual((await store.accessTokens.find(access.jti))?.revokedAt, null);
      assert.ok(!(await store.grants.listConnected('alice', T0 + 60)).some((connected) => connected.grant.id === grant.id));
    });

    it('refreshTokens.use: of concurrent uses one rotates; a second use is reuse and takes the family down', async () => {
      const token = refreshToken();
      const sibling = accessToken({ familyId: token.familyId, grantId: token.grantId });
      await store.refreshTokens.insert(token);
      await store.accessTokens.insert(sibling);
      const uses = await Promise.all(Array.from({ length: 4 }, () => store.refreshTokens.use(token.tokenHash, 'device', T0 + 1)));
      assert.equal(uses.filter((use) => use.outcome === 'rotated').length, 1);
      const refused = uses.filter((use) => use.outcome !== 'rotated').map((use) => use.outcome);
      // The first replay takes the family down; one read after that finds the token revoked.
      assert.ok(refused.includes('reused') && refused.every((outcome) => outcome === 'reused' || outcome === 'revoked'), refused.join());
      assert.notEqual((await store.accessTokens.find(sibling.jti))?.revokedAt, null, 'the family\'s access tokens are revoked');
      assert.notEqual((await store.refreshTokens.find(token.tokenHash))?.revokedAt, null);
    });

    it('refreshTokens.use: other client, expired, revoked and unknown change nothing; release makes it usable', async () => {
      const token = refreshToken();
      await store.refreshTokens.insert(token);
      assert.equal((await store.refreshTokens.use(token.tokenHash, 'other', T0)).outcome, 'other_client');
      assert.equal((await store.refreshTokens.use(token.tokenHash, 'device', token.expiresAt)).outcome, 'expired');
      assert.equal((await store.refreshTokens.use('unknown-hash', 'device', T0)).outcome, 'unknown');
      const taken = await store.refreshTokens.use(token.tokenHash, 'device', T0);
      assert.equal(taken.outcome, 'rotated');
      await store.refreshTokens.release(token.id);
      assert.equal((await store.refreshTokens.use(token.tokenHash, 'device', T0 + 1)).outcome, 'rotated');
      const revoked = refreshToken();
      await store.refreshTokens.insert(revoked);
      await store.refreshTokens.revokeGrant(revoked.grantId, T0);
      assert.equal((await store.refreshTokens.use(revoked.tokenHash, 'device', T0)).outcome, 'revoked');
    });

    it('refreshTokens.use with a retry grace: a retry supersedes the unused successor and its access token; the superseded token later, a retry after the successor was used, or after the grace, revokes the family', async () => {
      const GRACE = 30_000;
      const first = refreshToken();
      await store.refreshTokens.insert(first);
      assert.equal((await store.refreshTokens.use(first.tokenHash, 'device', T0 + 1, GRACE)).outcome, 'rotated');
      const lost = refreshToken({ familyId: first.familyId, grantId: first.grantId, createdAt: T0 + 2 });
      assert.equal(await store.refreshTokens.insertSuccessor(lost, first.id), true);
      const lostAccess = accessToken({ familyId: first.familyId, grantId: first.grantId, createdAt: T0 + 2 });
      const olderAccess = accessToken({ familyId: first.familyId, grantId: first.grantId, createdAt: T0 });
      await store.accessTokens.insert(lostAccess);
      await store.accessTokens.insert(olderAccess);
      assert.equal((await store.refreshTokens.use(first.tokenHash, 'device', T0 + 5_000, GRACE)).outcome, 'retried');
      const superseded = await store.refreshTokens.find(lost.tokenHash);
      assert.ok(superseded?.revokedAt !== null && superseded?.supersededAt !== null, 'the unused successor is superseded');
      assert.notEqual((await store.accessTokens.find(lostAccess.jti))?.revokedAt, null, 'its access token too');
      assert.equal((await store.accessTokens.find(olderAccess.jti))?.revokedAt, null, 'not the one issued before the rotation');
      const retried = refreshToken({ familyId: first.familyId, grantId: first.grantId, createdAt: T0 + 5_000 });
      assert.equal(await store.refreshTokens.insertSuccessor(retried, first.id), true);
      assert.equal((await store.refreshTokens.use(lost.tokenHash, 'device', T0 + 6_000, GRACE)).outcome, 'reused', 'two holders');
      assert.notEqual((await store.refreshTokens.find(retried.tokenHash))?.revokedAt, null, 'the family is revoked');

      const second = refreshToken();
      await store.refreshTokens.insert(second);
      await store.refreshTokens.use(second.tokenHash, 'device', T0 + 1, GRACE);
      const used = refreshToken({ familyId: second.familyId, grantId: second.grantId, createdAt: T0 + 2 });
      await store.refreshTokens.insertSuccessor(used, second.id);
      assert.equal((await store.refreshTokens.use(used.tokenHash, 'device', T0 + 3, GRACE)).outcome, 'rotated');
      const next = refreshToken({ familyId: second.familyId, grantId: second.grantId, createdAt: T0 + 3 });
      await store.refreshTokens.insertSuccessor(next, used.id);
      assert.equal((await store.refreshTokens.use(second.tokenHash, 'device', T0 + 4, GRACE)).outcome, 'reused', 'the successor was used');
      assert.notEqual((await store.refreshTokens.find(next.tokenHash))?.revokedAt, null, 'the family is revoked, its newest token too');

      const third = refreshToken();
      await store.refreshTokens.insert(third);
      await store.refreshTokens.use(third.tokenHash, 'device', T0 + 1, GRACE);
      await store.refreshTokens.insertSuccessor(refreshToken({ familyId: third.familyId, grantId: third.grantId, createdAt: T0 + 2 }), third.id);
      assert.equal((await store.refreshTokens.use(third.tokenHash, 'device', T0 + 2 + GRACE, GRACE)).outcome, 'reused', 'after the grace');
      assert.equal((await store.refreshTokens.use(third.tokenHash, 'other', T0 + 3, GRACE)).outcome, 'other_client');
    });

    it('refreshTokens.insertSuccessor: stored after a live predecessor; after a revoked one, nothing, and the family goes', async () => {
      const first = refreshToken();
      await store.refreshTokens.insert(first);
      assert.equal((await store.refreshTokens.use(first.tokenHash, 'device', T0 + 1)).outcome, 'rotated');
      const second = refreshToken({ familyId: first.familyId, grantId: first.grantId, createdAt: T0 + 1 });
      assert.equal(await store.refreshTokens.insertSuccessor(second, first.id), true);
      assert.equal((await store.refreshTokens.use(second.tokenHash, 'device', T0 + 2)).outcome, 'rotated');
      const access = accessToken({ familyId: first.familyId, grantId: first.grantId });
      await store.accessTokens.insert(access);
      await store.refreshTokens.revokeFamily(first.familyId, T0 + 3);
      const racing = { ...access, jti: unique('a') }; // recorded by a rotation racing the revocation
      await store.accessTokens.insert(racing);
      const third = refreshToken({ familyId: first.familyId, grantId: first.grantId, createdAt: T0 + 4 });
      assert.equal(await store.refreshTokens.insertSuccessor(third, second.id), false);
      assert.equal((await store.refreshTokens.use(third.tokenHash, 'device', T0 + 5)).outcome === 'rotated', false);
      assert.notEqual((await store.accessTokens.find(racing.jti))?.revokedAt, null, 'the racing rotation\'s access token is revoked');
    });

    it('rateLimits: every attempt counts, each sees its own count; of concurrent lockers one locks; a lock stops counting', async () => {
      const key = `test:ip:${name}`;
      const counts = await Promise.all(Array.from({ length: 6 }, () => store.rateLimits.attempt(key, T0, T0 - 60_000)));
      assert.deepEqual(counts.map((c) => c.attempts).sort(), [1, 2, 3, 4, 5, 6]);
      await store.rateLimits.refund(key);
      assert.equal((await store.rateLimits.attempt(key, T0, T0 - 60_000)).attempts, 6, 'a refund gives one back');
      const locks = await Promise.all(Array.from({ length: 3 }, () => store.rateLimits.lock(key, T0, T0 + 60_000, 5)));
      assert.equal(count(locks, true), 1);
      assert.deepEqual(await store.rateLimits.attempt(key, T0 + 1, T0 - 60_000), { attempts: 0, lockouts: 1, lockedUntil: T0 + 60_000, windowStart: T0 }, 'not counted while locked');
      assert.equal(await store.rateLimits.lock(key, T0 + 2, T0 + 120_000, 0), false, 'a locked key is not locked again');
      assert.equal((await store.rateLimits.attempt(key, T0 + 120_000, T0 + 60_000)).attempts, 1, 'after the lock, a new window');
      assert.equal(await store.rateLimits.lock(key, T0 + 120_000, T0 + 180_000, 5), false, 'under budget: no lock');
    });

    it('rateLimits.count: every request counts, each sees its own count and the window it falls in', async () => {
      const key = `test:rate:${name}`;
      const counts = await Promise.all(Array.from({ length: 8 }, () => store.rateLimits.count(key, T0, T0 - 60_000)));
      assert.deepEqual(counts.map((c) => c.attempts).sort(), [1, 2, 3, 4, 5, 6, 7, 8]);
      assert.ok(counts.every((c) => c.windowStart === T0));
      const later = await store.rateLimits.count(key, T0 + 30_000, T0 - 30_000);
      assert.deepEqual([later.attempts, later.windowStart], [9, T0], 'inside the window: counted on');
      const next = await store.rateLimits.count(key, T0 + 60_000, T0);
      assert.deepEqual([next.attempts, next.windowStart], [1, T0 + 60_000], 'a window that ended starts over');
    });

    it('clients: an id is inserted once; delete takes its grants and tokens down', async () => {
      const client = { ...CLIENT, clientId: `c-${name}` };
      assert.deepEqual(await Promise.all([store.clients.insert(client), store.clients.insert(client)]).then((r) => count(r, true)), 1);
      const pending = newGrant({ clientId: client.clientId });
      await store.grants.issue(pending);
      await store.refreshTokens.insert(refreshToken({ clientId: client.clientId }));
      assert.deepEqual(await store.clients.delete(client.clientId, T0), { pendingGrants: 1, revokedGrants: 0, refreshTokens: 1, accessTokens: 0 });
      assert.equal(await store.clients.find(client.clientId), null);
    });

    it('signing keys and secrets: the current key is never deleted; a secret is created once', async () => {
      const key = { kid: `k-${name}`, alg: 'ES256', publicJwk: '{}', privateJwk: '{}', createdAt: T0, rotatedAt: null, revokedAt: null };
      await store.signingKeys.insert(key);
      await store.signingKeys.delete([key.kid]);
      assert.ok((await store.signingKeys.list()).some((k) => k.kid === key.kid));
      await store.signingKeys.rotate(T0 + 1);
      await store.signingKeys.delete([key.kid]);
      assert.ok(!(await store.signingKeys.list()).some((k) => k.kid === key.kid));
      const values = await Promise.all(['a', 'b', 'c'].map((value) => store.secrets.insertIfAbsent('s', value, T0)));
      assert.equal(new Set(values).size, 1);
      assert.equal(await store.secrets.get('s'), values[0]);
      // A conditional replace: of two racing replacements of one value, one wins.
      const replaced = await Promise.all(['x', 'y'].map((value) => store.secrets.replace('s', values[0], value)));
      assert.equal(count(replaced, true), 1);
      assert.deepEqual((await store.secrets.list()).filter((secret) => secret.name === 's').length, 1);
    });

    it('signing keys: a revoke stops the key signing and happens once; a sealed value is replaced only from what it was', async () => {
      const key = { kid: `r-${name}`, alg: 'ES256', publicJwk: '{}', privateJwk: 'sealed-1', createdAt: T0, rotatedAt: null, revokedAt: null };
      await store.signingKeys.insert(key);
      assert.deepEqual(await Promise.all([store.signingKeys.revoke(key.kid, T0 + 5), store.signingKeys.revoke(key.kid, T0 + 6)]).then((r) => count(r, true)), 1);
      const revoked = (await store.signingKeys.list()).find((k) => k.kid === key.kid)!;
      assert.ok(revoked.revokedAt !== null && revoked.rotatedAt !== null);
      assert.equal(await store.signingKeys.revoke('no-such-kid', T0), false);
      assert.equal(await store.signingKeys.replacePrivate(key.kid, 'other', 'sealed-2'), false);
      assert.equal(await store.signingKeys.replacePrivate(key.kid, 'sealed-1', 'sealed-2'), true);
      assert.equal((await store.signingKeys.list()).find((k) => k.kid === key.kid)!.privateJwk, 'sealed-2');
    });

    it('signIns: live until ended or expired; one end, or all of a subject\'s; an expired one is purged', async () => {
      const signIn = (id: string, subject: string, expiresAt = T0 + 3_600_000) => ({ id: `${id}-${name}`, subject: `${subject}-${name}`, createdAt: T0, expiresAt, endedAt: null });
      await store.signIns.create(signIn('a1', 'alice'));
      await store.signIns.create(signIn('a2', 'alice'));
      await store.signIns.create(signIn('b1', 'bob'));
      await store.signIns.create(signIn('old', 'alice', T0));
      assert.equal(await store.signIns.isLive(`a1-${name}`, T0 + 1), true);
      assert.equal(await store.signIns.isLive(`old-${name}`, T0 + 1), false, 'expired');
      assert.equal(await store.signIns.isLive(`nobody-${name}`, T0), false);
      await store.signIns.end(`a1-${name}`, T0 + 2);
      assert.equal(await store.signIns.isLive(`a1-${name}`, T0 + 3), false, 'ended');
      assert.equal(await store.signIns.endAll(`alice-${name}`, T0 + 3), 1, 'the one alice sign-in still live');
      assert.equal(await store.signIns.isLive(`a2-${name}`, T0 + 4), false);
      assert.equal(await store.signIns.isLive(`b1-${name}`, T0 + 4), true, 'another subject is untouched');
      const report = await store.maintenance.purge({ now: T0 + 86_400_000, cutoff: T0 + 3_000_000, batchSize: 10 });
      assert.ok(report.signIns >= 1, 'the expired sign-in is purged');
      assert.equal(await store.signIns.isLive(`b1-${name}`, T0 + 4), true, 'a live one stays');
    });

    it('purge: expired records go; a redeemed grant stays while its device holds a live token', async () => {
      const kept = await approvedGrant(store);
      await store.grants.redeem(kept.id, T0);
      await store.refreshTokens.insert(refreshToken({ grantId: kept.id, expiresAt: T0 + 10 * 86_400_000 }));
      const gone = newGrant();
      await store.grants.issue(gone);
      const now = T0 + 86_400_000;
      await store.maintenance.purge({ now, cutoff: now - 3_600_000, batchSize: 2 });
      assert.equal(await store.grants.findByDeviceCode(gone.deviceCodeHash), null);
      assert.ok(await store.grants.findByDeviceCode(kept.deviceCodeHash));
      assert.equal(await store.maintenance.ping(2000), true);
    });
  });
}

async function typeOrm(url: string) {
  const dataSource = await new DataSource(buildDataSourceOptions({ url })).initialize();
  return { store: new TypeOrmDeviceGrantStore(dataSource), close: () => dataSource.destroy() };
}

contract('memory', async () => ({ store: new MemoryDeviceGrantStore(), close: async () => {} }));
contract('TypeORM on SQLite', () => typeOrm('sqlite::memory:'));
contract('TypeORM on PostgreSQL', async () => {
  const database = await createPostgresDatabase();
  if ('skip' in database) return database;
  const opened = await typeOrm(database.url);
  return { store: opened.store, close: async () => (await opened.close(), await database.drop()) };
});
