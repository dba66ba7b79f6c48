import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ClientService } from '../clients/client.service.js';
import { DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE } from '../constants.js';
import { hashSecret, verifySecret } from '../crypto/secrets.js';
import { DemoUserEntity } from './demo-user.entity.js';

/** The demo's well-known credentials, printed at start. Never use them outside a demo. */
export const DEMO_CREDENTIALS = {
  publicClientId: 'demo-device',
  confidentialClientId: 'demo-confidential',
  confidentialClientSecret: 'demo-secret',
  username: 'alice',
  password: 'alice-password',
  /** A resource server: may introspect every token, cannot get tokens. */
  resourceServerClientId: 'demo-api',
  resourceServerClientSecret: 'demo-api-secret',
} as const;

export const DEMO_SCOPES = ['openid', 'profile', 'offline_access', 'telemetry:write'];

/** Seeds the demo clients and user, idempotently. */
@Injectable()
export class DemoSeedService implements OnApplicationBootstrap {
  private readonly logger = new Logger('DemoSeed');

  constructor(
    private readonly clients: ClientService,
    @InjectRepository(DemoUserEntity) private readonly users: Repository<DemoUserEntity>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.clients.register({
      clientId: DEMO_CREDENTIALS.publicClientId,
      name: 'Demo device',
      scopes: DEMO_SCOPES,
      grantTypes: [DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE],
    });
    await this.clients.register({
      clientId: DEMO_CREDENTIALS.confidentialClientId,
      name: 'Demo confidential client',
      secret: DEMO_CREDENTIALS.confidentialClientSecret,
      scopes: DEMO_SCOPES,
      grantTypes: [DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE],
    });
    await this.clients.register({
      clientId: DEMO_CREDENTIALS.resourceServerClientId,
      name: 'Demo API (resource server)',
      secret: DEMO_CREDENTIALS.resourceServerClientSecret,
      scopes: [],
      grantTypes: [],
    });
    const alice = await this.users.findOneBy({ username: DEMO_CREDENTIALS.username });
    if (!alice || !(await verifySecret(DEMO_CREDENTIALS.password, alice.passwordHash))) {
      await this.users.save({
        username: DEMO_CREDENTIALS.username,
        displayName: 'Alice',
        passwordHash: await hashSecret(DEMO_CREDENTIALS.password),
      });
    }
    this.logger.log('demo clients and user are in place');
  }
}
