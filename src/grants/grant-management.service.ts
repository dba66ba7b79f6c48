import { Injectable } from '@nestjs/common';
import { InjectClock, type Clock } from '../clock.js';
import { DeviceGrantEvent } from '../events/device-grant-events.js';
import { DeviceGrantEvents } from '../events/device-grant-events.service.js';
import { InjectDeviceGrantStore, type DeviceGrantStore } from '../persistence/device-grant-store.js';
import { splitScope } from '../scopes/scope.js';

/** One device a person approved and that is still connected. */
export interface ApprovedGrant {
  grantId: string;
  clientId: string;
  /** The client's display name. */
  clientName: string;
  scopes: string[];
  /** What the device said about itself (`device_name`, `device_model`, `device_serial`); null when it said nothing. */
  device: { name: string | null; model: string | null; serial: string | null };
  /** When the person approved it (ms since the epoch). */
  approvedAt: number;
  /** When the device last received tokens (redemption or refresh), ms; null before it picked them up. */
  lastUsedAt: number | null;
}

const GRANT_ID = /^[0-9a-f-]{36}$/;

/**
 * A person's view of the devices they approved: list them, disconnect one. Disconnecting marks the
 * grant and revokes its refresh-token families and access tokens; the device's next refresh is
 * `invalid_grant`.
 * @see RFC 7009 §2.1 (revoking a grant's tokens)
 */
@Injectable()
export class GrantManagementService {
  constructor(
    @InjectDeviceGrantStore() private readonly store: DeviceGrantStore,
    @InjectClock() private readonly clock: Clock,
    private readonly events: DeviceGrantEvents,
  ) {}

  /**
   * The subject's connected devices, most recently used first: approved and not yet picked up (while
   * the code is valid), or redeemed with a refresh token or access token still alive.
   */
  async listApproved(subject: string): Promise<ApprovedGrant[]> {
    const connected = await this.store.grants.listConnected(subject, this.clock.now());
    return connected
      .map(({ grant, clientName, lastUsedAt }) => ({
        grantId: grant.id,
        clientId: grant.clientId,
        clientName,
        scopes: splitScope(grant.scope),
        device: { name: grant.deviceName, model: grant.deviceModel, serial: grant.deviceSerial },
        approvedAt: grant.decidedAt ?? grant.createdAt,
        lastUsedAt,
      }))
      .sort((a, b) => (b.lastUsedAt ?? b.approvedAt) - (a.lastUsedAt ?? a.approvedAt));
  }

  /**
   * Disconnects one of the subject's devices: the grant is marked, its refresh-token families and
   * access tokens are revoked. False when the subject has no such connected grant.
   */
  async disconnect(subject: string, grantId: string): Promise<boolean> {
    if (typeof grantId !== 'string' || !GRANT_ID.test(grantId)) return false;
    const grant = await this.store.grants.disconnect(subject, grantId, this.clock.now());
    if (!grant) return false;
    this.events.emit(DeviceGrantEvent.TokenRevoked, { clientId: grant.clientId, what: 'grant', grantId, subject });
    return true;
  }
}
