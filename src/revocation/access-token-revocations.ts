import { Injectable } from '@nestjs/common';
import { InjectClock, type Clock } from '../clock.js';
import { InjectDeviceGrantStore, type DeviceGrantStore } from '../persistence/device-grant-store.js';
import type { TokenRevocations } from '../resource/token-revocations.js';

/**
 * The authorization server's own answer on its access tokens, from the shared store: a token revoked
 * through RFC 7009, or by a disconnect, a refresh-token reuse or a deleted client, is inactive on every
 * instance as soon as that write committed.
 */
@Injectable()
export class AccessTokenRevocations implements TokenRevocations {
  constructor(
    @InjectDeviceGrantStore() private readonly store: DeviceGrantStore,
    @InjectClock() private readonly clock: Clock,
  ) {}

  async isActive(jti: string): Promise<boolean> {
    const token = await this.store.accessTokens.find(jti);
    return token !== null && token.revokedAt === null && token.expiresAt > this.clock.now();
  }
}
