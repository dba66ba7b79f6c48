import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, type Repository } from 'typeorm';
import { CLOCK, type Clock } from '../clock.js';
import { DeviceGrantEvent } from '../events/device-grant-events.js';
import { DeviceGrantEvents } from '../events/device-grant-events.service.js';
import { DeviceGrantEntity, OAuthClientEntity } from '../persistence/entities/index.js';
import { splitScope } from '../scopes/scope.js';
import { AccessTokenService } from '../tokens/access-token.service.js';
import { RefreshTokenService } from '../tokens/refresh-token.service.js';

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
    @InjectRepository(DeviceGrantEntity) private readonly grants: Repository<DeviceGrantEntity>,
    @InjectRepository(OAuthClientEntity) private readonly clients: Repository<OAuthClientEntity>,
    private readonly refreshTokens: RefreshTokenService,
    private readonly accessTokens: AccessTokenService,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly events: DeviceGrantEvents,
  ) {}

  /**
   * The subject's connected devices, most recently used first: approved and not yet picked up (while
   * the code is valid), or redeemed with a refresh token or access token still alive.
   */
  async listApproved(subject: string): Promise<ApprovedGrant[]> {
    const now = this.clock.now();
    const rows = await this.grants.find({
      where: { subject, status: In(['approved', 'redeemed']), revokedAt: IsNull() },
    });
    const ids = rows.map((row) => row.id);
    const [liveRefresh, liveAccess, lastIssued] = await Promise.all([
      this.refreshTokens.liveTokens(ids),
      this.accessTokens.grantsWithLiveTokens(ids),
      this.accessTokens.lastIssuedAt(ids),
    ]);
    const lastRefresh = new Map<string, number>();
    for (const token of liveRefresh) lastRefresh.set(token.grantId, Math.max(lastRefresh.get(token.grantId) ?? 0, token.createdAt));
    const connected = rows.filter((row) =>
      row.status === 'approved' ? row.expiresAt > now : lastRefresh.has(row.id) || liveAccess.has(row.id),
    );
    const clientIds = [...new Set(connected.map((row) => row.clientId))];
    const clients = clientIds.length ? await this.clients.findBy({ clientId: In(clientIds) }) : [];
    const names = new Map(clients.map((client) => [client.clientId, client.name]));
    return connected
      .map((row) => {
        const used = [row.redeemedAt, lastRefresh.get(row.id), lastIssued.get(row.id)].filter((t): t is number => typeof t === 'number');
        return {
          grantId: row.id,
          clientId: row.clientId,
          clientName: names.get(row.clientId) ?? row.clientId,
          scopes: splitScope(row.scope),
          device: { name: row.deviceName, model: row.deviceModel, serial: row.deviceSerial },
          approvedAt: row.decidedAt ?? row.createdAt,
          lastUsedAt: used.length ? Math.max(...used) : null,
        };
      })
      .sort((a, b) => (b.lastUsedAt ?? b.approvedAt) - (a.lastUsedAt ?? a.approvedAt));
  }

  /**
   * Disconnects one of the subject's devices: the grant is marked, its refresh-token families and
   * access tokens are revoked. False when the subject has no such connected grant.
   */
  async disconnect(subject: string, grantId: string): Promise<boolean> {
    if (typeof grantId !== 'string' || !GRANT_ID.test(grantId)) return false;
    const marked = await this.grants.update(
      { id: grantId, subject, status: In(['approved', 'redeemed']), revokedAt: IsNull() },
      { revokedAt: this.clock.now() },
    );
    if (marked.affected !== 1) return false;
    await this.refreshTokens.revokeGrant(grantId);
    const grant = await this.grants.findOneBy({ id: grantId });
    this.events.emit(DeviceGrantEvent.TokenRevoked, { clientId: grant?.clientId ?? '', what: 'grant', grantId, subject });
    return true;
  }
}
