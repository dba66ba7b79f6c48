import { EventEmitter2 } from '@nestjs/event-emitter';
import { ClientService, type ClientRegistration } from '../clients/client.service.js';
import { DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE } from '../constants.js';
import { DeviceAuthorizationService } from '../device-authorization/device-authorization.service.js';
import { resolveOptions, type DeviceGrantModuleOptions } from '../device-grant.options.js';
import { DeviceGrantEvents } from '../events/device-grant-events.service.js';
import { DeviceGrantService } from '../grants/device-grant.service.js';
import { KeyVault } from '../crypto/key-vault.service.js';
import { FormParams, type OAuthHttpRequest } from '../http/form-params.js';
import { RateLimitService } from '../limits/rate-limit.service.js';
import { MemoryDeviceGrantStore } from '../persistence/memory/memory-device-grant.store.js';
import { DeviceCodeGrant } from '../token/device-code.grant.js';
import { RefreshTokenGrant } from '../token/refresh-token.grant.js';
import { AccessTokenService } from '../tokens/access-token.service.js';
import { RefreshTokenService } from '../tokens/refresh-token.service.js';
import { SigningKeyService } from '../tokens/signing-key.service.js';
import { TokenIssuerService } from '../tokens/token-issuer.service.js';
import { ManualClock } from './manual-clock.js';

export { ManualClock };

/** The public device client every kit registers. */
export const DEVICE: ClientRegistration = {
  clientId: 'device',
  name: 'Living-room TV',
  scopes: ['openid', 'profile', 'offline_access'],
  grantTypes: [DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE],
};

/**
 * The module's protocol services wired by hand on a {@link MemoryDeviceGrantStore}, for unit specs:
 * no Nest container, no database, no HTTP. Events are recorded in `events`.
 */
export async function unitKit(options: Partial<DeviceGrantModuleOptions> = {}) {
  const store = new MemoryDeviceGrantStore();
  const clock = new ManualClock();
  const resolved = resolveOptions({ issuer: 'https://auth.example.test', metrics: false, ...options });
  const emitter = new EventEmitter2({ wildcard: true });
  const events: { name: string; payload: Record<string, unknown> }[] = [];
  emitter.onAny((name, payload) => events.push({ name: String(name), payload }));
  const deviceGrantEvents = new DeviceGrantEvents(emitter);
  const clients = new ClientService(store, resolved, clock);
  const signingKeys = new SigningKeyService(store, resolved, clock, new KeyVault(store, resolved));
  await signingKeys.onModuleInit();
  const accessTokens = new AccessTokenService(signingKeys, store, resolved, clock);
  const refreshTokens = new RefreshTokenService(store, clock, deviceGrantEvents);
  const issuer = new TokenIssuerService(accessTokens, refreshTokens, resolved);
  await clients.register(DEVICE);
  const limits = new RateLimitService(store, resolved, clock, deviceGrantEvents);
  return {
    store,
    clock,
    options: resolved,
    events,
    clients,
    accessTokens,
    refreshTokens,
    limits,
    deviceAuthorization: new DeviceAuthorizationService(store, clients, limits, resolved, clock, deviceGrantEvents),
    grants: new DeviceGrantService(store, resolved, clock, deviceGrantEvents),
    deviceCodeGrant: new DeviceCodeGrant(store, clients, issuer, clock, deviceGrantEvents, resolved),
    refreshTokenGrant: new RefreshTokenGrant(clients, refreshTokens, issuer, deviceGrantEvents, resolved),
  };
}

export type UnitKit = Awaited<ReturnType<typeof unitKit>>;

/** A form-encoded request as both HTTP adapters hand it over (with its raw body). */
export function formRequest(fields: Record<string, string>, headers: Record<string, string> = {}): OAuthHttpRequest {
  return {
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    rawBody: Buffer.from(new URLSearchParams(fields).toString()),
    ip: '192.0.2.1',
  };
}

/** A request and its parsed parameters, as a grant's `handle` takes them. */
export function grantRequest(fields: Record<string, string>, headers?: Record<string, string>): [OAuthHttpRequest, FormParams] {
  const request = formRequest(fields, headers);
  return [request, FormParams.from(request)];
}

type AsyncMethod = (...args: never[]) => Promise<unknown>;
type AsyncMethodsOf<T> = { [K in keyof T]: T[K] extends AsyncMethod ? K : never }[keyof T];

/**
 * Runs `first` just before the next call of a store method goes through (a person acting at that
 * very moment, or a fault): the seam a race or a failure is staged at. A `first` that throws fails
 * that call; later calls run as usual.
 */
export function beforeNextCall<T extends object>(target: T, method: AsyncMethodsOf<T>, first: () => Promise<void>): void {
  const original = (target[method] as AsyncMethod).bind(target);
  let pending = true;
  Object.assign(target, {
    [method]: async (...args: never[]) => {
      if (pending) {
        pending = false;
        await first();
      }
      return original(...args);
    },
  });
}
