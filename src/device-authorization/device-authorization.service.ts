import { Injectable } from '@nestjs/common';
import { InjectClock, type Clock } from '../clock.js';
import { DeviceGrantEvent } from '../events/device-grant-events.js';
import { DeviceGrantEvents } from '../events/device-grant-events.service.js';
import { ClientService } from '../clients/client.service.js';
import { DEVICE_CODE_GRANT_TYPE } from '../constants.js';
import { endpointUrl, type ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { InjectDeviceGrantOptions } from '../device-grant.module-definition.js';
import { FormParams, type OAuthHttpRequest } from '../http/form-params.js';
import { RateLimitService } from '../limits/rate-limit.service.js';
import { InvalidRequest, ServerError, TooManyRequests } from '../oauth-errors/oauth-error.js';
import { InjectDeviceGrantStore, type DeviceGrantStore } from '../persistence/device-grant-store.js';
import { newId } from '../persistence/ids.js';
import type { NewGrant } from '../persistence/records.js';
import { formatScope, parseScope } from '../scopes/scope.js';
import { formatUserCode, generateUserCode, type UserCodeFormat } from '../user-code/user-code.js';
import { deviceCodeKey, newDeviceCode } from './device-code.js';

/** The device authorization response. @see RFC 8628 §3.2 */
export interface DeviceAuthorizationResponse {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

/** Optional details a device may send to tell the approving user what it is (not part of RFC 8628). */
const DEVICE_DETAILS = ['device_name', 'device_model', 'device_serial'] as const;

/** Printable text: no control characters (C0, DEL, C1), no lone surrogates, no U+FFFD from broken UTF-8. */
const PRINTABLE = /^[^\p{Cc}\p{Cs}\uFFFD]*$/u;

/**
 * Bidi controls (U+202A–202E, U+2066–2069) and zero-width characters (U+200B–200F, U+2060, U+FEFF):
 * they let a device make the consent page show text other than what it sent (`a\u202Eevil`).
 */
const SPOOFING = /[\u202A-\u202E\u2066-\u2069\u200B-\u200F\u2060\uFEFF]/u;

/** How many fresh user codes to try when one collides with a live grant. */
const USER_CODE_ATTEMPTS = 10;

/**
 * The "code handler": issues a device code and a user code for an authenticated client.
 * @see RFC 8628 §3.1–3.2
 */
@Injectable()
export class DeviceAuthorizationService {
  private readonly userCodeFormat: UserCodeFormat;
  private readonly verificationUri: string;

  constructor(
    @InjectDeviceGrantStore() private readonly store: DeviceGrantStore,
    private readonly clients: ClientService,
    private readonly limits: RateLimitService,
    @InjectDeviceGrantOptions() private readonly options: ResolvedDeviceGrantOptions,
    @InjectClock() private readonly clock: Clock,
    private readonly events: DeviceGrantEvents,
  ) {
    this.userCodeFormat = {
      alphabet: options.userCodeAlphabet,
      length: options.userCodeLength,
      mask: options.userCodeMask,
    };
    this.verificationUri = endpointUrl(options, options.routes.verification);
  }

  /**
   * Counted per address before anything else (so a flood costs neither a client lookup nor a secret
   * check), and per client once the client is known and the request is valid.
   */
  async authorize(request: OAuthHttpRequest): Promise<DeviceAuthorizationResponse> {
    const fromAddress = await this.limits.deviceAuthorizationFrom(request.ip);
    if (fromAddress > 0) throw new TooManyRequests(fromAddress / 1000, 'too many device authorization requests from this address');
    const params = FormParams.from(request);
    const client = await this.clients.authenticate(request, params, DEVICE_CODE_GRANT_TYPE);
    const scopes = parseScope(params.get('scope'));
    this.clients.checkScopes(client, scopes);
    const details = this.readDeviceDetails(params);
    const forClient = await this.limits.deviceAuthorizationFor(client.clientId);
    if (forClient > 0) throw new TooManyRequests(forClient / 1000, 'too many device authorization requests for this client');

    const now = this.clock.now();
    const deviceCode = newDeviceCode(now);
    const base = {
      deviceCodeHash: deviceCodeKey(deviceCode),
      clientId: client.clientId,
      scope: formatScope(scopes),
      interval: this.options.pollingInterval,
      createdAt: now,
      expiresAt: now + this.options.deviceCodeTtl * 1000,
      ...details,
      requestIp: request.ip ? String(request.ip).slice(0, 64) : null,
      requestUserAgent: sanitizeHeader(request.headers['user-agent'], 400),
    };
    const { userCode, id } = await this.insertWithFreshUserCode(base);
    this.events.emit(DeviceGrantEvent.GrantRequested, {
      grantId: id,
      clientId: client.clientId,
      scope: base.scope,
      deviceName: base.deviceName,
      deviceModel: base.deviceModel,
      ip: base.requestIp,
    });
    const displayCode = formatUserCode(userCode, this.userCodeFormat);
    return {
      device_code: deviceCode,
      user_code: displayCode,
      verification_uri: this.verificationUri,
      verification_uri_complete: `${this.verificationUri}?user_code=${encodeURIComponent(displayCode)}`,
      expires_in: this.options.deviceCodeTtl,
      interval: this.options.pollingInterval,
    };
  }

  /**
   * Inserts the grant; a user code taken by another grant is drawn again (the store decides).
   */
  private async insertWithFreshUserCode(base: Omit<NewGrant, 'id' | 'userCode'>): Promise<{ userCode: string; id: string }> {
    for (let attempt = 0; attempt < USER_CODE_ATTEMPTS; attempt++) {
      const userCode = generateUserCode(this.userCodeFormat);
      const id = newId();
      if (await this.store.grants.issue({ ...base, id, userCode })) return { userCode, id };
    }
    throw new ServerError('could not allocate a unique user code');
  }

  private readDeviceDetails(params: FormParams) {
    const max = this.options.deviceDetailMaxLength;
    const read = (name: (typeof DEVICE_DETAILS)[number]): string | null => {
      const value = params.get(name);
      if (value === undefined) return null;
      if ([...value].length > max) throw new InvalidRequest(`${name} is longer than ${max} characters`);
      if (!PRINTABLE.test(value)) throw new InvalidRequest(`${name} holds characters that cannot be shown`);
      if (SPOOFING.test(value)) throw new InvalidRequest(`${name} holds bidirectional controls or invisible characters`);
      return value.trim() || null;
    };
    return { deviceName: read('device_name'), deviceModel: read('device_model'), deviceSerial: read('device_serial') };
  }
}

function sanitizeHeader(value: string | string[] | undefined, max: number): string | null {
  if (typeof value !== 'string' || value === '') return null;
  return value.replace(/[^\x20-\x7E]/g, '?').slice(0, max);
}
