import { In, IsNull, MoreThan, type DataSource, type Repository } from 'typeorm';
import type { ConnectedGrant, GrantStore } from '../device-grant-store.js';
import { AccessTokenEntity, DeviceGrantEntity, OAuthClientEntity, RefreshTokenEntity } from '../entities/index.js';
import type { GrantRecord, NewGrant, Poll, PolledGrant } from '../records.js';
import type { BatchedInsert } from './batched-insert.js';
import { grantInserts } from './grant-inserts.js';
import { GrantLookups } from './grant-lookups.js';
import { OnTimePolls } from './on-time-polls.js';
import { SlowDowns } from './slow-downs.js';
import type { SqlRunner } from './sql-runner.js';
import type { TypeOrmRefreshTokenStore } from './token.stores.js';

const REDEEM = `UPDATE "dg_device_grant" SET "status" = 'redeemed', "redeemed_at" = $2 WHERE "id" = $1 AND "status" = 'approved' AND "revoked_at" IS NULL RETURNING "id"`;
const UNREDEEM = `UPDATE "dg_device_grant" SET "status" = 'approved', "redeemed_at" = NULL WHERE "id" = $1 AND "status" = 'redeemed'`;
const REVOKED_AT = `SELECT "revoked_at" FROM "dg_device_grant" WHERE "id" = $1`;

/**
 * Device grants on TypeORM: the polling statements (issue, on-time stamp, slow_down, the poll's read)
 * are fixed SQL in batches, straight on the driver; the person's side (decide, disconnect, list) uses
 * TypeORM's repositories, being a few statements a minute.
 */
export class TypeOrmGrantStore implements GrantStore {
  private readonly inserts: BatchedInsert<NewGrant>;
  private readonly onTimePolls: OnTimePolls;
  private readonly slowDowns: SlowDowns;
  private readonly lookups: GrantLookups;
  private readonly grants: Repository<DeviceGrantEntity>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly runner: SqlRunner,
    private readonly refreshTokens: TypeOrmRefreshTokenStore,
  ) {
    this.inserts = grantInserts(runner);
    this.onTimePolls = new OnTimePolls(runner);
    this.slowDowns = new SlowDowns(runner);
    this.lookups = new GrantLookups(runner);
    this.grants = dataSource.getRepository(DeviceGrantEntity);
  }

  issue(grant: NewGrant): Promise<boolean> {
    return this.inserts.insert(grant);
  }

  stampOnTimePoll(poll: Poll): Promise<boolean> {
    return this.onTimePolls.stamp(poll);
  }

  slowDown(poll: Poll, maxInterval: number): Promise<number | undefined> {
    return this.slowDowns.record(poll, maxInterval);
  }

  findByDeviceCode(deviceCodeHash: string): Promise<PolledGrant | null> {
    return this.lookups.find(deviceCodeHash);
  }

  async findPendingByUserCode(userCode: string, now: number): Promise<GrantRecord | null> {
    const grant = await this.grants.findOneBy({ userCode, status: 'pending', expiresAt: MoreThan(now) });
    return grant && { ...grant };
  }

  async decide(
    userCode: string,
    decision: { status: 'approved'; subject: string } | { status: 'denied' },
    now: number,
  ): Promise<GrantRecord | null> {
    const result = await this.grants.update({ userCode, status: 'pending', expiresAt: MoreThan(now) }, { ...decision, decidedAt: now });
    if (result.affected !== 1) return null;
    const grant = await this.grants.findOneBy({ userCode });
    return grant && { ...grant };
  }

  async redeem(grantId: string, now: number): Promise<boolean> {
    return (await this.runner.rows(REDEEM, [grantId, now])).length === 1;
  }

  async unredeem(grantId: string): Promise<void> {
    await this.runner.rows(UNREDEEM, [grantId]);
  }

  async isDisconnected(grantId: string): Promise<boolean> {
    const [row] = await this.runner.rows(REVOKED_AT, [grantId]);
    return row === undefined || row.revoked_at !== null;
  }

  async disconnect(subject: string, grantId: string, now: number): Promise<GrantRecord | null> {
    const marked = await this.grants.update(
      { id: grantId, subject, status: In(['approved', 'redeemed']), revokedAt: IsNull() },
      { revokedAt: now },
    );
    if (marked.affected !== 1) return null;
    await this.refreshTokens.revokeGrant(grantId, now);
    const grant = await this.grants.findOneBy({ id: grantId });
    return grant && { ...grant };
  }

  async listConnected(subject: string, now: number): Promise<ConnectedGrant[]> {
    const rows = await this.grants.find({ where: { subject, status: In(['approved', 'redeemed']), revokedAt: IsNull() } });
    if (rows.length === 0) return [];
    const ids = rows.map((row) => row.id);
    const [refresh, access] = await Promise.all([
      this.dataSource.getRepository(RefreshTokenEntity).find({
        where: { grantId: In(ids), usedAt: IsNull(), revokedAt: IsNull() },
        select: { id: true, grantId: true, createdAt: true, expiresAt: true },
      }),
      this.dataSource.getRepository(AccessTokenEntity).find({
        where: { grantId: In(ids) },
        select: { jti: true, grantId: true, createdAt: true, expiresAt: true, revokedAt: true },
      }),
    ]);
    const liveRefresh = new Map<string, number>();
    for (const token of refresh) {
      if (token.expiresAt > now) liveRefresh.set(token.grantId, Math.max(liveRefresh.get(token.grantId) ?? 0, token.createdAt));
    }
    const lastAccess = new Map<string, number>();
    const liveAccess = new Set<string>();
    for (const token of access) {
      lastAccess.set(token.grantId, Math.max(lastAccess.get(token.grantId) ?? 0, token.createdAt));
      if (token.revokedAt === null && token.expiresAt > now) liveAccess.add(token.grantId);
    }
    const connected = rows.filter((row) =>
      row.status === 'approved' ? row.expiresAt > now : liveRefresh.has(row.id) || liveAccess.has(row.id),
    );
    const clientIds = [...new Set(connected.map((row) => row.clientId))];
    const clients = clientIds.length ? await this.dataSource.getRepository(OAuthClientEntity).findBy({ clientId: In(clientIds) }) : [];
    const names = new Map(clients.map((client) => [client.clientId, client.name]));
    return connected.map((row) => {
      const used = [row.redeemedAt, liveRefresh.get(row.id), lastAccess.get(row.id)].filter((t): t is number => typeof t === 'number');
      return { grant: { ...row }, clientName: names.get(row.clientId) ?? row.clientId, lastUsedAt: used.length ? Math.max(...used) : null };
    });
  }
}
