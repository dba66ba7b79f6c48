import type { ClientStore, DeletedClientCounts } from '../device-grant-store.js';
import type { ClientRecord } from '../records.js';
import { copy, revokeTokens, type MemoryData } from './memory-data.js';

export class MemoryClients implements ClientStore {
  constructor(private readonly data: MemoryData) {}

  async find(clientId: string): Promise<ClientRecord | null> {
    const client = this.data.clients.get(clientId);
    return client ? copy(client) : null;
  }

  async list(): Promise<ClientRecord[]> {
    return [...this.data.clients.values()].sort((a, b) => a.createdAt - b.createdAt || a.clientId.localeCompare(b.clientId)).map(copy);
  }

  async insert(client: ClientRecord): Promise<boolean> {
    if (this.data.clients.has(client.clientId)) return false;
    this.data.clients.set(client.clientId, copy(client));
    return true;
  }

  async save(client: ClientRecord): Promise<void> {
    this.data.clients.set(client.clientId, copy(client));
  }

  async update(clientId: string, changes: Partial<Omit<ClientRecord, 'clientId' | 'createdAt'>>): Promise<void> {
    const client = this.data.clients.get(clientId);
    if (client) Object.assign(client, changes);
  }

  async disable(clientId: string, now: number): Promise<void> {
    const client = this.data.clients.get(clientId);
    if (client) client.disabled = true;
    for (const token of this.data.accessTokens.values()) if (token.clientId === clientId && token.revokedAt === null) token.revokedAt = now;
  }

  async delete(clientId: string, now: number): Promise<DeletedClientCounts> {
    let pendingGrants = 0;
    let revokedGrants = 0;
    for (const [id, grant] of this.data.grants) {
      if (grant.clientId !== clientId) continue;
      if (grant.status === 'pending') {
        this.data.grants.delete(id);
        pendingGrants++;
      } else if (grant.revokedAt === null) {
        grant.revokedAt = now;
        revokedGrants++;
      }
    }
    const revoked = revokeTokens(this.data, (token) => token.clientId === clientId, now);
    this.data.clients.delete(clientId);
    return { pendingGrants, revokedGrants, refreshTokens: revoked.refresh, accessTokens: revoked.access };
  }
}
