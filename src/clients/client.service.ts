import { Injectable } from '@nestjs/common';
import { InjectClock, type Clock } from '../clock.js';
import { DEVICE_CODE_GRANT_TYPE, OFFLINE_ACCESS_SCOPE, REFRESH_TOKEN_GRANT_TYPE } from '../constants.js';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { dummySecretHash, hashSecret, verifySecret } from '../crypto/secrets.js';
import { BoundedWork } from '../limits/bounded-work.js';
import type { OAuthHttpRequest } from '../http/form-params.js';
import { decodeFormComponent, type FormParams } from '../http/form-params.js';
import { newClientRecord } from './client-record.js';
import { InvalidClient, InvalidRequest, InvalidScope, UnauthorizedClient } from '../oauth-errors/oauth-error.js';
import { InjectDeviceGrantStore, type DeviceGrantStore } from '../persistence/device-grant-store.js';
import type { ClientRecord } from '../persistence/records.js';
import { splitScope } from '../scopes/scope.js';
import { InjectDeviceGrantOptions } from '../device-grant.module-definition.js';
import type { ResolvedDeviceGrantOptions } from '../device-grant.options.js';

/** What registering a client takes. */
export interface ClientRegistration {
  clientId: string;
  name: string;
  /** A confidential client's secret (only its scrypt hash is kept); omit for a public client. */
  secret?: string;
  scopes: string[];
  grantTypes: string[];
  accessTokenTtl?: number;
  refreshTokenTtl?: number;
  alwaysIssueRefreshToken?: boolean;
}

const CLIENT_ID = /^[\x21-\x7E]{1,200}$/;

/**
 * How long an instance answers client lookups from its memory, in milliseconds. Every token request
 * reads its client and client records change rarely; disabling a client (or changing its secret,
 * scopes or grant types) directly in the database takes effect on every instance within this time,
 * and at once on the instance that calls `register()`. Only found clients are kept; nothing else
 * (grants, codes, tokens, counters) is ever cached.
 */
const CLIENT_CACHE_MS = 2_000;
/** Bound on cached client records (one per client id, so a flood of ids cannot grow memory). */
const CLIENT_CACHE_MAX = 1_000;

/**
 * How long a secret that passed scrypt is recognised from memory, in milliseconds: a confidential
 * client (a resource server introspecting, a device refreshing) then pays scrypt once per this time,
 * and keeps being answered while a flood of wrong secrets fills the scrypt queue. Only an HMAC of
 * the secret under a key of this process is kept, tied to the stored hash it matched, so a changed
 * secret is checked anew at once.
 */
const VERIFIED_SECRET_MS = 5 * 60_000;

/** A secret that matched, remembered as an HMAC. */
interface VerifiedSecret {
  mac: Buffer;
  /** The stored hash it matched; a rotation changes it. */
  against: string;
  until: number;
}

/** A client record read (or being read) from the database, and until when to answer from it. */
interface CachedClient {
  until: number;
  client: Promise<ClientRecord | null>;
  /** The record, once read. */
  found?: ClientRecord;
}

/** The credentials a request carries, from the `Authorization` header or the body. @see RFC 6749 §2.3.1 */
interface PresentedCredentials {
  clientId: string;
  secret?: string;
  viaHeader: boolean;
}

/**
 * Client registry and client authentication: public clients by `client_id`, confidential ones by
 * `client_secret_basic` or `client_secret_post`, one method per request.
 * @see RFC 6749 §2.3, RFC 8628 §3.1
 */
@Injectable()
export class ClientService {
  private readonly cache = new Map<string, CachedClient>();
  private readonly verified = new Map<string, VerifiedSecret>();
  private readonly macKey = randomBytes(32);
  private readonly secretChecks: BoundedWork;

  constructor(
    @InjectDeviceGrantStore() private readonly store: DeviceGrantStore,
    @InjectDeviceGrantOptions() private readonly options: ResolvedDeviceGrantOptions,
    @InjectClock() private readonly clock: Clock,
  ) {
    this.secretChecks = new BoundedWork(options.limits.secretChecks);
  }

  /** Authenticates the client of a request and checks it may use `grantType`. */
  async authenticate(request: OAuthHttpRequest, params: FormParams, grantType: string): Promise<ClientRecord> {
    const client = await this.authenticateClient(request, params);
    if (!listsOf(client).grantTypes.has(grantType)) {
      throw new UnauthorizedClient('the client may not use this grant type');
    }
    return client;
  }

  /**
   * {@link authenticate}'s answer for its most common case, without waiting: a public client this
   * instance read less than `CLIENT_CACHE_MS` ago, not disabled, allowed `grantType`, and a request that
   * presents only its `client_id` in the body. Undefined for any other request, which `authenticate`
   * decides (a device polls every few seconds: its poll should not pay for promises it does not need).
   */
  knownPublicClient(request: OAuthHttpRequest, params: FormParams, grantType: string): ClientRecord | undefined {
    if (basicHeaderOf(request) !== undefined || params.get('client_secret') !== undefined) return undefined;
    const clientId = params.get('client_id');
    const client = clientId === undefined ? undefined : this.fresh(clientId, performance.now())?.found;
    if (!client || client.disabled || client.secretHash || !listsOf(client).grantTypes.has(grantType)) return undefined;
    return client;
  }

  /**
   * Authenticates the client of a request as the token endpoint does, for endpoints that are not
   * grants (revocation, introspection): a public client by its `client_id`, a confidential one by its secret.
   * @see RFC 6749 §2.3, RFC 7009 §2.1, RFC 7662 §2.1
   */
  async authenticateClient(request: OAuthHttpRequest, params: FormParams): Promise<ClientRecord> {
    const presented = readCredentials(request, params);
    const client = CLIENT_ID.test(presented.clientId)
      ? await this.lookup(presented.clientId)
      : null;
    if (!client || client.disabled) {
      if (presented.secret !== undefined) {
        const dummy = await dummySecretHash();
        await this.secretChecks.run(() => verifySecret(presented.secret!, dummy));
      }
      throw new InvalidClient('client authentication failed');
    }
    if (client.secretHash) {
      if (presented.secret === undefined || !(await this.secretMatches(client, presented.secret))) {
        throw new InvalidClient('client authentication failed');
      }
    } else if (presented.secret !== undefined) {
      // A public client has nothing to prove; an unexpected secret means a misconfigured caller.
      throw new InvalidClient('client authentication failed');
    }
    return client;
  }

  /** Checks requested scopes against the server's and the client's. @see RFC 6749 §3.3 */
  checkScopes(client: ClientRecord, requested: string[]): void {
    const allowed = listsOf(client).scopes;
    for (const scope of requested) {
      if (!Object.hasOwn(this.options.scopes, scope) || !allowed.has(scope)) {
        throw new InvalidScope(`scope ${scope} is not available to this client`);
      }
    }
  }

  /** Adds a client, or updates it when the id exists (idempotent, for seeding). */
  async register(registration: ClientRegistration): Promise<ClientRecord> {
    if (!CLIENT_ID.test(registration.clientId)) throw new Error('client_id must be 1-200 printable ASCII characters');
    this.checkRegistration(registration);
    const existing = await this.store.clients.find(registration.clientId);
    const keepHash =
      existing?.secretHash && registration.secret && (await verifySecret(registration.secret, existing.secretHash));
    const secretHash = !registration.secret ? null : keepHash ? existing!.secretHash : await hashSecret(registration.secret);
    const client = {
      ...newClientRecord({ ...registration, secretHash }, existing?.createdAt ?? this.clock.now()),
      // Re-registering (seeding at every start) keeps a rotation's grace period running.
      previousSecretHash: existing?.previousSecretHash ?? null,
      previousSecretExpiresAt: existing?.previousSecretExpiresAt ?? null,
    };
    await this.store.clients.save(client);
    this.forget(registration.clientId);
    return client;
  }

  /**
   * A client may only ask for scopes the server offers and the grant types it implements: a typo (or a
   * `scopes` option that left out `offline_access`) fails at start-up, where the seeding runs, not at a
   * device's first request with an error that blames the device.
   */
  private checkRegistration({ clientId, scopes, grantTypes }: ClientRegistration): void {
    const unknownScopes = scopes.filter((scope) => !Object.hasOwn(this.options.scopes, scope));
    if (unknownScopes.length > 0) {
      const hint = unknownScopes.includes(OFFLINE_ACCESS_SCOPE) ? ` (${OFFLINE_ACCESS_SCOPE} gives refresh tokens: add it to the scopes option, e.g. { ...DEFAULT_SCOPES, ... })` : '';
      throw new Error(
        `ClientService.register: client ${clientId} asks for ${unknownScopes.map((s) => JSON.stringify(s)).join(', ')}, which the server does not offer; its scopes option has ${Object.keys(this.options.scopes).join(', ')}${hint}`,
      );
    }
    const unknownGrants = grantTypes.filter((grantType) => grantType !== DEVICE_CODE_GRANT_TYPE && grantType !== REFRESH_TOKEN_GRANT_TYPE);
    if (unknownGrants.length > 0) {
      throw new Error(
        `ClientService.register: client ${clientId} has grant types ${unknownGrants.map((g) => JSON.stringify(g)).join(', ')} this server does not implement; use DEVICE_CODE_GRANT_TYPE and REFRESH_TOKEN_GRANT_TYPE`,
      );
    }
  }

  findById(clientId: string): Promise<ClientRecord | null> {
    return this.lookup(clientId);
  }

  /** Forgets a cached client record, so a change written elsewhere (client administration) applies at once here. */
  forget(clientId: string): void {
    this.cache.delete(clientId);
    this.verified.delete(clientId);
  }

  /**
   * The current secret, or the one a rotation replaced until its grace period ends. Both hashes are
   * checked whenever a previous one is live, so the timing does not tell which of them matched.
   */
  private async secretMatches(client: ClientRecord, secret: string): Promise<boolean> {
    const previousLive = !!client.previousSecretHash && (client.previousSecretExpiresAt ?? 0) > this.clock.now();
    const mac = createHmac('sha256', this.macKey).update(client.clientId).update('\0').update(secret).digest();
    const known = this.verified.get(client.clientId);
    if (
      known !== undefined &&
      known.until > this.clock.now() &&
      (known.against === client.secretHash || (previousLive && known.against === client.previousSecretHash)) &&
      timingSafeEqual(known.mac, mac)
    ) {
      return true;
    }
    const [current, previous] = await this.secretChecks.run(() =>
      Promise.all([verifySecret(secret, client.secretHash!), previousLive ? verifySecret(secret, client.previousSecretHash!) : false]),
    );
    if (current || previous) {
      if (this.verified.size >= CLIENT_CACHE_MAX) this.verified.clear();
      this.verified.set(client.clientId, { mac, against: current ? client.secretHash! : client.previousSecretHash!, until: this.clock.now() + VERIFIED_SECRET_MS });
    }
    return current || previous;
  }

  /** The cached entry for a client id while it is younger than `CLIENT_CACHE_MS`. */
  private fresh(clientId: string, now: number): CachedClient | undefined {
    const cached = this.cache.get(clientId);
    return cached !== undefined && cached.until > now ? cached : undefined;
  }

  /** A client record, from memory if read less than `CLIENT_CACHE_MS` ago; concurrent lookups share one read. */
  private lookup(clientId: string): Promise<ClientRecord | null> {
    const now = performance.now();
    const cached = this.fresh(clientId, now);
    if (cached) return cached.client;
    const client = this.store.clients.find(clientId);
    if (this.cache.size >= CLIENT_CACHE_MAX) this.cache.clear();
    const entry: CachedClient = { until: now + CLIENT_CACHE_MS, client };
    this.cache.set(clientId, entry);
    const forget = () => {
      if (this.cache.get(clientId) === entry) this.cache.delete(clientId);
    };
    client.then((found) => (found ? (entry.found = found) : forget()), forget);
    return client;
  }
}

/**
 * Reads `client_secret_basic` or `client_secret_post` or a bare `client_id`; refuses two methods at
 * once. Basic credentials are form-urlencoded before base64, so they are decoded twice (the same
 * strict form decoding as the body's).
 * @see RFC 6749 §2.3.1
 */
function readCredentials(request: OAuthHttpRequest, params: FormParams): PresentedCredentials {
  const header = basicHeaderOf(request);
  const bodyId = params.get('client_id');
  const bodySecret = params.get('client_secret');
  if (header !== undefined) {
    const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header);
    if (!match) throw new InvalidClient('the Authorization header is not valid Basic credentials');
    const decoded = Buffer.from(match[1], 'base64').toString('latin1');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new InvalidClient('the Authorization header is not valid Basic credentials');
    let clientId: string;
    let secret: string;
    try {
      clientId = decodeFormComponent(decoded.slice(0, colon));
      secret = decodeFormComponent(decoded.slice(colon + 1));
    } catch {
      throw new InvalidClient('the Authorization header is not valid Basic credentials');
    }
    if (bodySecret !== undefined) throw new InvalidRequest('use one client authentication method, not two');
    if (bodyId !== undefined && bodyId !== clientId) throw new InvalidRequest('client_id does not match the Authorization header');
    return { clientId, secret, viaHeader: true };
  }
  if (bodyId === undefined) throw new InvalidClient('client authentication is missing: send client_id');
  return { clientId: bodyId, secret: bodySecret, viaHeader: false };
}

/**
 * The `Authorization` header when the request uses it for client authentication (a non-empty
 * string); both {@link readCredentials} and `knownPublicClient` go by this, so they agree on which
 * requests authenticate by header.
 */
function basicHeaderOf(request: OAuthHttpRequest): string | undefined {
  const header = request.headers.authorization;
  return typeof header === 'string' && header !== '' ? header : undefined;
}

/** A client's grant types and scopes as sets, parsed once per client record (records are cached). */
const LISTS = new WeakMap<ClientRecord, { grantTypes: ReadonlySet<string>; scopes: ReadonlySet<string> }>();

function listsOf(client: ClientRecord): { grantTypes: ReadonlySet<string>; scopes: ReadonlySet<string> } {
  let lists = LISTS.get(client);
  if (!lists) {
    lists = { grantTypes: new Set(splitScope(client.grantTypes)), scopes: new Set(splitScope(client.scopes)) };
    LISTS.set(client, lists);
  }
  return lists;
}
