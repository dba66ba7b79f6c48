import { In, IsNull, Not, type DataSource } from 'typeorm';
import type { ServerSecretStore, SigningKeyStore } from '../device-grant-store.js';
import { ServerSecretEntity, SigningKeyEntity } from '../entities/index.js';
import type { SigningKeyRecord } from '../records.js';

/** Signing keys on TypeORM's repositories (read once a minute per instance). */
export class TypeOrmSigningKeyStore implements SigningKeyStore {
  constructor(private readonly dataSource: DataSource) {}

  private get keys() {
    return this.dataSource.getRepository(SigningKeyEntity);
  }

  async list(): Promise<SigningKeyRecord[]> {
    return (await this.keys.find({ order: { createdAt: 'DESC', kid: 'DESC' } })).map((key) => ({ ...key }));
  }

  async insert(key: SigningKeyRecord): Promise<void> {
    await this.keys.insert(key);
  }

  async rotate(now: number): Promise<void> {
    await this.keys.update({ rotatedAt: IsNull() }, { rotatedAt: now });
  }

  async delete(kids: readonly string[]): Promise<void> {
    if (kids.length > 0) await this.keys.delete({ kid: In([...kids]), rotatedAt: Not(IsNull()) });
  }

  async revoke(kid: string, now: number): Promise<boolean> {
    const revoked = await this.keys.update({ kid, revokedAt: IsNull() }, { revokedAt: now });
    if ((revoked.affected ?? 0) === 0) return false;
    await this.keys.update({ kid, rotatedAt: IsNull() }, { rotatedAt: now });
    return true;
  }

  async replacePrivate(kid: string, expected: string, value: string): Promise<boolean> {
    return ((await this.keys.update({ kid, privateJwk: expected }, { privateJwk: value })).affected ?? 0) > 0;
  }
}

/** Server secrets on TypeORM's repositories. */
export class TypeOrmServerSecretStore implements ServerSecretStore {
  constructor(private readonly dataSource: DataSource) {}

  private get secrets() {
    return this.dataSource.getRepository(ServerSecretEntity);
  }

  async get(name: string): Promise<string | null> {
    return (await this.secrets.findOneBy({ name }))?.value ?? null;
  }

  async insertIfAbsent(name: string, value: string, now: number): Promise<string> {
    await this.secrets.createQueryBuilder().insert().values({ name, value, createdAt: now }).orIgnore().execute();
    return (await this.secrets.findOneByOrFail({ name })).value;
  }

  async list(): Promise<{ name: string; value: string }[]> {
    return (await this.secrets.find()).map(({ name, value }) => ({ name, value }));
  }

  async replace(name: string, expected: string, value: string): Promise<boolean> {
    return ((await this.secrets.update({ name, value: expected }, { value })).affected ?? 0) > 0;
  }
}
