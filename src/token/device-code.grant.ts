import { Injectable } from '@nestjs/common';
import { InjectClock, type Clock } from '../clock.js';
import { DeviceGrantEvent } from '../events/device-grant-events.js';
import { DeviceGrantEvents } from '../events/device-grant-events.service.js';
import { ClientService } from '../clients/client.service.js';
import { DEVICE_CODE_GRANT_TYPE } from '../constants.js';
import { InjectDeviceGrantOptions } from '../device-grant.module-definition.js';
import type { ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { deviceCodeKey } from '../device-authorization/device-code.js';
import type { FormParams, OAuthHttpRequest } from '../http/form-params.js';
import { AccessDenied, AuthorizationPending, ExpiredToken, InvalidGrant, OAuthError, SlowDown } from '../oauth-errors/oauth-error.js';
import { grownInterval, InjectDeviceGrantStore, type DeviceGrantStore } from '../persistence/device-grant-store.js';
import type { Poll, PolledGrant } from '../persistence/records.js';
import { TokenIssuerService } from '../tokens/token-issuer.service.js';
import type { TokenResponse } from '../tokens/token-response.js';
import { RecentSlowDowns } from './recent-slow-downs.js';

/** A device code as we issue it: base64url, 43 characters; anything far off is not worth a lookup. */
const DEVICE_CODE = /^[A-Za-z0-9_-]{20,128}$/;

/**
 * Most of what the token endpoint ever answers. One object for every such answer: an OAuth error is
 * never changed once made, and this one's JSON is serialised once ({@link OAuthError.json}).
 */
const PENDING = new AuthorizationPending('the user has not yet approved the request');

/**
 * The answers a device gets on most of its polls. They are returned to the responder rather than
 * thrown: every throw costs V8 a message object (bench/RESULTS.md, round 5). The rarer answers (`access_denied`, `expired_token`,
 * `invalid_grant`, …) are thrown as anywhere else.
 */
export type PollAnswer = AuthorizationPending | SlowDown;

/**
 * The "authorize handler": the device polls with its device code until the user decides.
 * Everything that must hold across instances and restarts (the grown interval, single redemption)
 * is decided by the store (see {@link DeviceGrantStore}'s grants), not in process memory.
 * @see RFC 8628 §3.4–3.5
 */
@Injectable()
export class DeviceCodeGrant {
  private readonly recentSlowDowns = new RecentSlowDowns();

  constructor(
    @InjectDeviceGrantStore() private readonly store: DeviceGrantStore,
    private readonly clients: ClientService,
    private readonly issuer: TokenIssuerService,
    @InjectClock() private readonly clock: Clock,
    private readonly events: DeviceGrantEvents,
    @InjectDeviceGrantOptions() private readonly options: ResolvedDeviceGrantOptions,
  ) {}

  /**
   * @param receivedAt when the request arrived (ms since the epoch): the poll is stamped with it, not
   *   with the moment the database gets to it, so time a request spends queued in this server under
   *   load cannot make a device that keeps its interval look too fast.
   * Every answer, refusals included, is told to the module's observers (see `MetricsListener`).
   */
  async handle(request: OAuthHttpRequest, params: FormParams, receivedAt = this.clock.now()): Promise<TokenResponse | PollAnswer> {
    // One async function, not a wrapper around another: an extra promise per poll showed in the
    // hammered workload.
    try {
      const client =
        this.clients.knownPublicClient(request, params, DEVICE_CODE_GRANT_TYPE) ??
        (await this.clients.authenticate(request, params, DEVICE_CODE_GRANT_TYPE));
      const deviceCode = params.require('device_code');
      if (!DEVICE_CODE.test(deviceCode)) throw new InvalidGrant('the device code is invalid');
      const deviceCodeHash = deviceCodeKey(deviceCode);
      const now = receivedAt;
      const poll = { deviceCodeHash, clientId: client.clientId, at: now };
      // Most polls are a well-behaved device asking about a pending grant: the on-time stamp answers
      // those (it holds every condition the checks below would test). A poll this instance knows to be
      // too early (see RecentSlowDowns) goes straight to slow_down instead. Any other poll, or one
      // neither took, is answered by reading the grant.
      if (this.recentSlowDowns.tooEarly(deviceCodeHash, now)) {
        const slowed = await this.slowDown(poll);
        if (slowed) return this.told(slowed);
      } else if (await this.store.grants.stampOnTimePoll(poll)) {
        return this.told(PENDING);
      }
      const grant = await this.store.grants.findByDeviceCode(deviceCodeHash);
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
        return this.told(
          (await this.slowDown(poll)) ??
            new SlowDown(`polling too fast: wait at least ${grownInterval(grant.interval, this.options.maxPollingInterval)} seconds between polls`),
        );
      }
      return this.told(await this.redeem(grant, now));
    } catch (error) {
      this.events.pollAnswered(error instanceof OAuthError ? error.error : 'server_error');
      throw error;
    }
  }

  /** Tells the module's observers how a poll was answered, and returns the answer. */
  private told<T extends TokenResponse | PollAnswer>(answer: T): T {
    this.events.pollAnswered(answer instanceof OAuthError ? answer.error : 'success');
    return answer;
  }

  /**
   * `slow_down` for a poll of a pending, live grant of this client that came sooner than the grant's
   * interval after the previous one: the interval grows for good and the answer says to what.
   * Undefined when the grant is not that (any more): the caller reads it.
   */
  private async slowDown(poll: Poll): Promise<SlowDown | undefined> {
    const interval = await this.store.grants.slowDown(poll, this.options.maxPollingInterval);
    if (interval === undefined) return undefined;
    this.recentSlowDowns.note(poll.deviceCodeHash, poll.at, interval);
    return new SlowDown(`polling too fast: wait at least ${interval} seconds between polls`);
  }

  /** Exactly once: only the poll whose conditional update flips `approved` to `redeemed` gets tokens. */
  private async redeem(grant: PolledGrant, now: number): Promise<TokenResponse> {
    if (!(await this.store.grants.redeem(grant.id, now))) throw new InvalidGrant('the device code was already used');
    const client = (await this.clients.findById(grant.clientId))!;
    const subject = {
      grantId: grant.id,
      client,
      subject: grant.subject!,
      grantedScope: grant.scope,
      accessScope: grant.scope,
    };
    let issued: { response: TokenResponse; jti: string };
    try {
      const refreshToken = this.issuer.prepareRefreshToken(subject);
      issued = await this.issuer.respond(subject, refreshToken);
      if (refreshToken) await this.issuer.saveRefreshToken(refreshToken);
    } catch (error) {
      // Nothing was handed out: put the grant back so the device's next poll can redeem it.
      await this.store.grants.unredeem(grant.id);
      throw error;
    }
    // A disconnect that raced with this redemption may have run before the tokens were stored: it wins.
    if (await this.store.grants.isDisconnected(grant.id)) {
      await this.store.refreshTokens.revokeGrant(grant.id, this.clock.now());
      throw new InvalidGrant('the user disconnected this device');
    }
    this.events.emit(DeviceGrantEvent.TokenIssued, {
      grantId: grant.id,
      clientId: grant.clientId,
      subject: grant.subject!,
      scope: grant.scope,
      jti: issued.jti,
      refreshToken: issued.response.refresh_token !== undefined,
    });
    return issued.response;
  }
}
