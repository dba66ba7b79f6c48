import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectClock, type Clock } from '../clock.js';
import { newClientRecord } from '../clients/client-record.js';
import { ClientService } from '../clients/client.service.js';
import { DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE } from '../constants.js';
import { hashSecret, randomToken } from '../crypto/secrets.js';
import type { ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { InjectDeviceGrantOptions } from '../device-grant.module-definition.js';
import { InjectDeviceGrantStore, type DeviceGrantStore } from '../persistence/device-grant-store.js';
import type { ClientRecord } from '../persistence/records.js';
import { splitScope } from '../scopes/scope.js';
import { ClientAdminError } from './client-admin.errors.js';

/** What adding a client takes. Lifetimes in seconds. */
export interface NewClient {
  /** Shown to people on the activation page: 1–200 printable characters. */
  name: string;
  /** `public` (devices: no secret) or `confidential` (gets a secret, printed once). @see RFC 6749 §2.1 */
  type: 'public' | 'confidential';
  /** Scopes the client may ask for; each must be one the module knows. Default none. */
  scopes?: string[];
  /** Grant types (`device_code` or its URN, `refresh_token`). Default both. */
  grantTypes?: string[];
  /** Access-token lifetime for this client, 1–86400 s; default the module's. */
  accessTokenTtl?: number;
  /** Refresh-token lifetime for this client, 1–31536000 s; default the module's. */
  refreshTokenTtl?: number;
  /** The `client_id`; default 128 random bits, hex. */
  clientId?: string;
}

/** A client as administration shows it: never a secret or a hash. */
export interface ClientSummary {
  clientId: string;
  name: string;
  type: 'public' | 'confidential';
  scopes: string[];
  grantTypes: string[];
  /** Seconds; null takes the module's. */
  accessTokenTtl: number | null;
  refreshTokenTtl: number | null;
  disabled: boolean;
  /** ms since the epoch. */
  createdAt: number;
  /** Until when the secret replaced by the last rotation is still accepted (ms); null when none is. */
  previousSecretExpiresAt: number | null;
}

/** A new client; `secret` only for a confidential one, and only this once. */
export interface CreatedClient {
  client: ClientSummary;
  secret?: string;
}

/** A rotated secret; the previous one works until `previousSecretExpiresAt` (ms). */
export interface RotatedSecret {
  clientId: string;
  secret: string;
  previousSecretExpiresAt: number | null;
}

/** What deleting a client took down with it. */
export interface DeletedClient {
  clientId: string;
  /** Pending device grants removed (their codes can never be redeemed). */
  pendingGrants: number;
  /** Approved or redeemed grants marked revoked. */
  revokedGrants: number;
  refreshTokens: number;
  accessTokens: number;
}

/** Grace period of a secret rotation when none is given: an hour to roll the new secret out. */
export const DEFAULT_SECRET_GRACE = 3600;
/** The longest grace period: two secrets at once should not become the normal state. */
export const MAX_SECRET_GRACE = 30 * 24 * 3600;
/**
 * The longest per-client access-token lifetime. A rotated signing key stays in the JWKS for a day
 * after rotation (`SigningKeyService`), so no access token may outlive that.
 */
export const MAX_ACCESS_TOKEN_TTL = 24 * 3600;
/** The longest per-client refresh-token lifetime: a year. */
export const MAX_REFRESH_TOKEN_TTL = 365 * 24 * 3600;

/** Unreserved URL characters: an id that needs no quoting in a shell, a URL or Basic credentials. */
const CLIENT_ID = /^[A-Za-z0-9._~][A-Za-z0-9._~-]{0,199}$/;
/** Printable text: no control characters, lone surrogates or U+FFFD from broken UTF-8. */
const PRINTABLE = /^[^\p{Cc}\p{Cs}\uFFFD]*$/u;
/** A Map, not an object literal: a name inherited from `Object.prototype` (`constructor`) is no alias. */
const GRANT_TYPE_ALIASES: ReadonlyMap<string, string> = new Map([
  ['device_code', DEVICE_CODE_GRANT_TYPE],
  [DEVICE_CODE_GRANT_TYPE, DEVICE_CODE_GRANT_TYPE],
  ['refresh_token', REFRESH_TOKEN_GRANT_TYPE],
]);

/**
 * Client administration for operators (the `admin` CLI uses it; so can an application's own admin
 * API): add, rotate a secret with a grace period, disable, enable, delete, list. Secrets are drawn
 * from the CSPRNG, shown once and kept only as scrypt hashes.
 * @see RFC 6749 §2, §2.3.1
 */
@Injectable()
export class ClientAdminService {
  constructor(
    @InjectDeviceGrantStore() private readonly store: DeviceGrantStore,
    private readonly clientService: ClientService,
    @InjectDeviceGrantOptions() private readonly options: ResolvedDeviceGrantOptions,
    @InjectClock() private readonly clock: Clock,
  ) {}

  /** Adds a client; a confidential one gets a 256-bit secret, returned here and never again. */
  async add(input: NewClient): Promise<CreatedClient> {
    const name = checkName(input.name);
    if (input.type !== 'public' && input.type !== 'confidential') {
      throw new ClientAdminError('choose the client type: public (a device, no secret) or confidential (gets a secret)');
    }
    const scopes = this.checkScopes(input.scopes ?? []);
    const grantTypes = checkGrantTypes(input.grantTypes ?? [DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE]);
    const accessTokenTtl = checkTtl('access-token lifetime', input.accessTokenTtl, MAX_ACCESS_TOKEN_TTL);
    const refreshTokenTtl = checkTtl('refresh-token lifetime', input.refreshTokenTtl, MAX_REFRESH_TOKEN_TTL);
    const clientId = input.clientId === undefined ? randomBytes(16).toString('hex') : checkClientId(input.clientId);
    const secret = input.type === 'confidential' ? randomToken() : undefined;
    const row = newClientRecord(
      { clientId, name, secretHash: secret ? await hashSecret(secret) : null, scopes, grantTypes, accessTokenTtl, refreshTokenTtl },
      this.clock.now(),
    );
    if (!(await this.store.clients.insert(row))) throw duplicate(clientId);
    this.clientService.forget(clientId);
    return { client: summarize(row), secret };
  }

  /**
   * Gives a confidential client a new secret. The old one keeps working for `graceSeconds` (0: stops
   * at once, e.g. after a leak); a secret replaced earlier stops now, so at most two are ever valid.
   */
  async rotateSecret(clientId: string, graceSeconds = DEFAULT_SECRET_GRACE): Promise<RotatedSecret> {
    if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_SECRET_GRACE) {
      throw new ClientAdminError(`the grace period must be a whole number of seconds from 0 to ${MAX_SECRET_GRACE}, got ${graceSeconds}`);
    }
    const client = await this.find(clientId);
    if (!client.secretHash) throw new ClientAdminError(`client ${clientId} is public: it has no secret to rotate`);
    const secret = randomToken();
    const previousSecretExpiresAt = graceSeconds > 0 ? this.clock.now() + graceSeconds * 1000 : null;
    await this.store.clients.update(
      clientId,
      {
        secretHash: await hashSecret(secret),
        previousSecretHash: previousSecretExpiresAt === null ? null : client.secretHash,
        previousSecretExpiresAt,
      },
    );
    this.clientService.forget(clientId);
    return { clientId, secret, previousSecretExpiresAt };
  }

  /**
   * Disables a client: its authentication fails (`invalid_client`), so it can neither start nor
   * redeem grants nor refresh, and its live access tokens are marked revoked (introspection answers
   * inactive). Its grants and refresh tokens are kept: `enable` brings the refresh tokens back.
   */
  async disable(clientId: string): Promise<ClientSummary> {
    await this.find(clientId);
    await this.store.clients.disable(clientId, this.clock.now());
    this.clientService.forget(clientId);
    return summarize(await this.find(clientId));
  }

  /** Enables a disabled client again. */
  async enable(clientId: string): Promise<ClientSummary> {
    await this.find(clientId);
    await this.store.clients.update(clientId, { disabled: false });
    this.clientService.forget(clientId);
    return summarize(await this.find(clientId));
  }

  /**
   * Deletes a client and takes its grants and tokens down with it, so that nothing of it comes back
   * if the id is ever registered again: pending grants are removed, the others marked revoked, and
   * every refresh and access token revoked.
   */
  async delete(clientId: string): Promise<DeletedClient> {
    await this.find(clientId);
    const counts = await this.store.clients.delete(clientId, this.clock.now());
    const result = { clientId, ...counts };
    this.clientService.forget(clientId);
    return result;
  }

  /** Every client, oldest first. */
  async list(): Promise<ClientSummary[]> {
    const rows = await this.store.clients.list();
    return rows.map(summarize);
  }

  /** One client. @throws ClientAdminError when there is none with this id. */
  async get(clientId: string): Promise<ClientSummary> {
    return summarize(await this.find(clientId));
  }

  private async find(clientId: string): Promise<ClientRecord> {
    const client = typeof clientId === 'string' && clientId.length <= 200 ? await this.store.clients.find(clientId) : null;
    if (!client) throw new ClientAdminError(`there is no client ${JSON.stringify(clientId)} (see: clients list)`);
    return client;
  }

  private checkScopes(scopes: string[]): string[] {
    const known = Object.keys(this.options.scopes);
    const unique = [...new Set(scopes.flatMap((scope) => scope.split(/\s+/)).filter(Boolean))];
    const unknown = unique.filter((scope) => !known.includes(scope));
    if (unknown.length > 0) {
      throw new ClientAdminError(
        `unknown scope${unknown.length > 1 ? 's' : ''} ${unknown.map((s) => JSON.stringify(s)).join(', ')}; this server knows: ${known.join(', ')}`,
      );
    }
    return unique;
  }
}

function summarize(row: ClientRecord): ClientSummary {
  return {
    clientId: row.clientId,
    name: row.name,
    type: row.secretHash ? 'confidential' : 'public',
    scopes: splitScope(row.scopes),
    grantTypes: splitScope(row.grantTypes),
    accessTokenTtl: row.accessTokenTtl,
    refreshTokenTtl: row.refreshTokenTtl,
    disabled: row.disabled,
    createdAt: row.createdAt,
    previousSecretExpiresAt: row.previousSecretHash ? row.previousSecretExpiresAt : null,
  };
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw new ClientAdminError('the client needs a name (--name), e.g. "Kitchen sensor fleet"');
  const trimmed = name.trim();
  if ([...trimmed].length > 200) throw new ClientAdminError('the client name is longer than 200 characters');
  if (!PRINTABLE.test(trimmed)) throw new ClientAdminError('the client name holds control characters or invalid text; use printable characters only');
  return trimmed;
}

function checkClientId(clientId: string): string {
  if (!CLIENT_ID.test(clientId)) {
    throw new ClientAdminError(
      `client id ${JSON.stringify(clientId)} is not valid: use 1-200 letters, digits, ".", "_", "~" or "-", not starting with "-"`,
    );
  }
  return clientId;
}

function checkGrantTypes(grantTypes: string[]): string[] {
  const result: string[] = [];
  for (const grantType of grantTypes.flatMap((value) => value.split(/[\s,]+/)).filter(Boolean)) {
    if (grantType === 'none') continue;
    const resolved = GRANT_TYPE_ALIASES.get(grantType);
    if (!resolved) throw new ClientAdminError(`unknown grant type ${JSON.stringify(grantType)}; use device_code, refresh_token or none`);
    if (!result.includes(resolved)) result.push(resolved);
  }
  return result;
}

function checkTtl(what: string, value: number | undefined, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new ClientAdminError(`the ${what} must be a whole number of seconds from 1 to ${max}, got ${value}`);
  }
  return value;
}

function duplicate(clientId: string): ClientAdminError {
  return new ClientAdminError(`a client with id ${JSON.stringify(clientId)} already exists`);
}
