import { In, IsNull, type DataSource } from 'typeorm';
import type { ClientStore, DeletedClientCounts } from '../device-grant-store.js';
import { AccessTokenEntity, DeviceGrantEntity, OAuthClientEntity, RefreshTokenEntity } from '../entities/index.js';
import type { ClientRecord } from '../records.js';

/** Clients on TypeORM's repositories (read once per client and instance; see `ClientService`'s cache). */
export class TypeOrmClientStore implements ClientStore {
  constructor(private readonly dataSource: DataSource) {}

  private get clients() {
    return this.dataSource.getRepository(OAuthClientEntity);
  }

  async find(clientId: string): Promise<ClientRecord | null> {
    const client = await this.clients.findOneBy({ clientId });
    return client && { ...client };
  }

  async list(): Promise<ClientRecord[]> {
    return (await this.clients.find({ order: { createdAt: 'ASC', clientId: 'ASC' } })).map((client) => ({ ...client }));
  }

  async insert(client: ClientRecord): Promise<boolean> {
    if (await this.clients.existsBy({ clientId: client.clientId })) return false;
    try {
      await this.clients.insert(client);
      return true;
    } catch (error) {
      // Another administrator added the same id in between.
      if (await this.clients.existsBy({ clientId: client.clientId })) return false;
      throw error;
    }
  }

  async save(client: ClientRecord): Promise<void> {
    await this.clients.save(this.clients.create(client));
  }

  async update(clientId: string, changes: Partial<Omit<ClientRecord, 'clientId' | 'createdAt'>>): Promise<void> {
    await this.clients.update({ clientId }, changes);
  }

  async disable(clientId: string, now: number): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.update(OAuthClientEntity, { clientId }, { disabled: true });
      await manager.update(AccessTokenEntity, { clientId, revokedAt: IsNull() }, { revokedAt: now });
    });
  }

  delete(clientId: string, now: number): Promise<DeletedClientCounts> {
    return this.dataSource.transaction(async (manager) => {
      const pending = await manager.delete(DeviceGrantEntity, { clientId, status: 'pending' });
      const grants = await manager.update(
        DeviceGrantEntity,
        { clientId, status: In(['approved', 'denied', 'redeemed']), revokedAt: IsNull() },
        { revokedAt: now },
      );
      const refresh = await manager.update(RefreshTokenEntity, { clientId, revokedAt: IsNull() }, { revokedAt: now });
      const access = await manager.update(AccessTokenEntity, { clientId, revokedAt: IsNull() }, { revokedAt: now });
      await manager.delete(OAuthClientEntity, { clientId });
      return {
        pendingGrants: pending.affected ?? 0,
        revokedGrants: grants.affected ?? 0,
        refreshTokens: refresh.affected ?? 0,
        accessTokens: access.affected ?? 0,
      };
    });
  }
}
