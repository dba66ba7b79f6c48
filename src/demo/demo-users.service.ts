import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { dummySecretHash, verifySecret } from '../crypto/secrets.js';
import { DemoUserEntity } from './demo-user.entity.js';

/** The demo's user directory. */
@Injectable()
export class DemoUsersService {
  constructor(@InjectRepository(DemoUserEntity) private readonly users: Repository<DemoUserEntity>) {}

  /** The user if the password matches; null otherwise (same work either way, so timing tells nothing). */
  async verify(username: string, password: string): Promise<{ sub: string; name: string } | null> {
    const user = username.length <= 100 ? await this.users.findOneBy({ username }) : null;
    const matches = await verifySecret(password, user?.passwordHash ?? (await dummySecretHash()));
    return user && matches ? { sub: user.username, name: user.displayName } : null;
  }
}
