import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository } from 'typeorm';
import { CLOCK, type Clock } from '../clock.js';
import { DeviceGrantEvent } from '../events/device-grant-events.js';
import { DeviceGrantEvents } from '../events/device-grant-events.service.js';
import { ClientService } from '../clients/client.service.js';
import { DEVICE_CODE_GRANT_TYPE } from '../constants.js';
import { deviceCodeKey } from '../device-authorization/device-code.js';
import type { FormParams, OAuthHttpRequest } from '../http/form-params.js';
import { AccessDenied, AuthorizationPending, ExpiredToken, InvalidGrant, SlowDown } from '../oauth-errors/oauth-error.js';
import { DeviceGrantEntity } from '../persistence/entities/index.js';
import { sqlRunnerFor, type SqlRunner } from '../persistence/sql-runner.js';
import { RefreshTokenService } from '../tokens/refresh-token.service.js';
import { TokenIssuerService } from '../tokens/token-issuer.service.js';
import type { TokenResponse } from '../tokens/token-response.js';
import { GrantLookups, type PolledGrant } from './grant-lookups.js';
import { OnTimePolls } from './on-time-polls.js';
import { RecentSlowDowns } from './recent-slow-downs.js';
import { SLOW_DOWN_INCREMENT, SlowDowns } from './slow-downs.js';

/** A device code as we issue it: base64url, 43 characters; anything far off is not worth a lookup. */
const DEVICE_CODE = /^[A-Za-z0-9_-]{20,128}$/;

/**
 * Most of what the token endpoint ever answers. One object for every such answer: an OAuth error is
 * never changed once made, and this one's JSON is serialised once ({@link OAuthError.json}).
 */
const PENDING = new AuthorizationPending('the user has not yet approved the request');

/**
 * The answers a device gets on most of its polls. They are returned to the responder rather than
 * thrown: every throw costs V8 a message object, measured at about 2 µs of a pending poll's 42 µs
 * of CPU and 3 µs of a hammered code's 37 µs. The rarer answers (`access_denied`, `expired_token`,
 * `invalid_grant`, …) are thrown as anywhere else.
 */
export type PollAnswer = AuthorizationPending | SlowDown;

/**
 * The "authorize handler": the device polls with its device code until the user decides.
 * Everything that must hold across instances and restarts (the grown interval, single redemption)
 * is decided by conditional updates in the database, not in process memory.
 * @see RFC 8628 §3.4–3.5
 */
@Injectable()
export class DeviceCodeGrant {
  private sqlRunner?: SqlRunner;
  private onTimePolls?: OnTimePolls;
  private slowDowns?: SlowDowns;
  private lookups?: GrantLookups;
  private readonly recentSlowDowns = new RecentSlowDowns();

  constructor(
    @InjectRepository(DeviceGrantEntity) private readonly grants: Repository<DeviceGrantEntity>,
    private readonly clients: ClientService,
    private readonly issuer: TokenIssuerService,
    private readonly refreshTokens: RefreshTokenService,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly events: DeviceGrantEvents,
  ) {}

  /**
   * @param receivedAt when the request arrived (ms since the epoch): the poll is stamped with it, not
   *   with the moment the database gets to it, so time a request spends queued in this server under
   *   load cannot make a device that keeps its interval look too fast.
   */
  async handle(request: OAuthHttpRequest, params: FormParams, receivedAt = this.clock.now()): Promise<TokenResponse | PollAnswer> {
    const client =
      this.clients.knownPublicClient(request, params, DEVICE_CODE_GRANT_TYPE) ??
      (await this.clients.authenticate(request, params, DEVICE_CODE_GRANT_TYPE));
    const deviceCode = params.require('device_code');
    if (!DEVICE_CODE.test(deviceCode)) throw new InvalidGrant('the device code is invalid');
    const deviceCodeHash = deviceCodeKey(deviceCode);
    const now = receivedAt;
    // Most polls are a well-behaved device asking about a pending grant: one conditional update
    // answers those (it holds every condition the checks below would test). A poll this instance
    // knows to be too early (see RecentSlowDowns) goes straight to slow_down's conditional update
    // instead. Any other poll, or one neither update took, is answered by reading the grant.
    if (this.recentSlowDowns.tooEarly(deviceCodeHash, now)) {
      const slowed = await this.slowDown(deviceCodeHash, client.clientId, now);
      if (slowed) return slowed;
    } else if (await this.stampOnTimePoll(deviceCodeHash, client.clientId, now)) {
      return PENDING;
    }
    const grant = await this.find(deviceCodeHash);
    if (!grant) throw new InvalidGrant('the device code is invalid');
    if (grant.clientId !== client.clientId) throw new InvalidGrant('the device code was issued to another client');
    if (grant.revokedAt !== null) throw new InvalidGrant('the user disconnected this device');
    if (grant.status === 'redeemed') throw new InvalidGrant('the device code was already used');
    if (grant.status === 'denied') throw new AccessDenied('the user denied the request');
    if (grant.expiresAt <= now) {
      this.events.emit(DeviceGrantEvent.GrantExpired, { grantId: grant.id, clientId: grant.clientId });
      throw new ExpiredToken('the device code expired');
    }
    if (grant.status === 'pending') {
      return (
        (await this.slowDown(deviceCodeHash, client.clientId, now)) ??
        new SlowDown(`polling too fast: wait at least ${grant.interval + SLOW_DOWN_INCREMENT} seconds between polls`)
      );
    }
    return this.redeem(grant, now);
  }

  /**
   * Records an on-time poll of a pending, live grant of this client; false when the grant is not
   * that (unknown, another client's, decided, disconnected, expired) or the poll is too early.
   * The first poll is never too early. Concurrent polls share one statement (see {@link OnTimePolls}).
   */
  private stampOnTimePoll(deviceCodeHash: string, clientId: string, at: number): Promise<boolean> {
    this.onTimePolls ??= new OnTimePolls(this.runner);
    return this.onTimePolls.stamp({ deviceCodeHash, clientId, at });
  }

  /**
   * `slow_down` for a poll of a pending, live grant of this client that came sooner than the grant's
   * interval after the previous one: the interval grows for good (see {@link SlowDowns}) and the answer
   * says to what. Undefined when the grant is not that (any more): the caller reads it.
   */
  private async slowDown(deviceCodeHash: string, clientId: string, now: number): Promise<SlowDown | undefined> {
    this.slowDowns ??= new SlowDowns(this.runner);
    const interval = await this.slowDowns.record({ deviceCodeHash, clientId, at: now });
    if (interval === undefined) return undefined;
    this.recentSlowDowns.note(deviceCodeHash, now, interval);
    return new SlowDown(`polling too fast: wait at least ${interval} seconds between polls`);
  }

  /** The grant with this device-code key (see {@link GrantLookups}). */
  private find(deviceCodeHash: string): Promise<PolledGrant | null> {
    this.lookups ??= new GrantLookups(this.runner);
    return this.lookups.find(deviceCodeHash);
  }

  /** The driver itself, for the poll's fixed SQL (read once the data source is up). */
  private get runner(): SqlRunner {
    return (this.sqlRunner ??= sqlRunnerFor(this.grants.manager.connection));
  }

  /** Exactly once: only the poll whose conditional update flips `approved` to `redeemed` gets tokens. */
  private async redeem(grant: PolledGrant, now: number): Promise<TokenResponse> {
    const taken = await this.grants.update(
      { id: grant.id, status: 'approved', revokedAt: IsNull() },
      { status: 'redeemed', redeemedAt: now },
    );
    if (taken.affected !== 1) throw new InvalidGrant('the device code was already used');
    const client = (await this.clients.findById(grant.clientId))!;
    const subject = {
      grantId: grant.id,
      client,
      subject: grant.subject!,
      grantedScope: grant.scope,
      accessScope: grant.scope,
    };
    let response: TokenResponse;
    try {
      const refreshToken = this.issuer.prepareRefreshToken(subject);
      response = await this.issuer.respond(subject, refreshToken);
      if (refreshToken) await this.issuer.saveRefreshToken(refreshToken);
    } catch (error) {
      // Nothing was handed out: put the grant back so the device's next poll can redeem it.
      await this.grants.update({ id: grant.id, status: 'redeemed' }, { status: 'approved', redeemedAt: null });
      throw error;
    }
    // A disconnect that raced with this redemption may have run before the tokens were stored: it wins.
    if (await this.wasDisconnected(grant.id)) {
      await this.refreshTokens.revokeGrant(grant.id);
      throw new InvalidGrant('the user disconnected this device');
    }
    this.events.emit(DeviceGrantEvent.TokenIssued, {
      grantId: grant.id,
      clientId: grant.clientId,
      subject: grant.subject!,
      scope: grant.scope,
      jti: jtiOf(response.access_token),
      refreshToken: response.refresh_token !== undefined,
    });
    return response;
  }

  private async wasDisconnected(grantId: string): Promise<boolean> {
    const row = await this.grants.findOne({ where: { id: grantId }, select: { id: true, revokedAt: true } });
    return row?.revokedAt !== null;
  }
}

/** The `jti` of an access token we just signed (for events; never the token itself). */
export function jtiOf(accessToken: string): string | undefined {
  try {
    return JSON.parse(Buffer.from(accessToken.split('.')[1], 'base64url').toString('utf8')).jti;
  } catch {
    return undefined;
  }
}
