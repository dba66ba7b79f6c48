import { IsNull, MoreThan, type DataSource } from 'typeorm';
import type { SignInStore } from '../device-grant-store.js';
import { SignInEntity } from '../entities/index.js';
import type { SignInRecord } from '../records.js';

/** Sign-ins on TypeORM's repositories (a page request reads one by its primary key). */
export class TypeOrmSignInStore implements SignInStore {
  constructor(private readonly dataSource: DataSource) {}

  private get signIns() {
    return this.dataSource.getRepository(SignInEntity);
  }

  async create(record: SignInRecord): Promise<void> {
    await this.signIns.insert(record);
  }

  async isLive(id: string, now: number): Promise<boolean> {
    return this.signIns.existsBy({ id, endedAt: IsNull(), expiresAt: MoreThan(now) });
  }

  async end(id: string, now: number): Promise<void> {
    await this.signIns.update({ id, endedAt: IsNull() }, { endedAt: now });
  }

  async endAll(subject: string, now: number): Promise<number> {
    return (await this.signIns.update({ subject, endedAt: IsNull(), expiresAt: MoreThan(now) }, { endedAt: now })).affected ?? 0;
  }
}
