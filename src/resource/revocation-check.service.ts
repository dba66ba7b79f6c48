import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { systemClock, type Clock } from '../clock.js';
import { AuthorizationServerMetadataService, AuthorizationServerUnavailable } from './authorization-server-metadata.service.js';
import type { ResolvedDeviceGrantResourceOptions } from './device-grant-resource.options.js';
import { InjectDeviceGrantResourceOptions } from './device-grant-resource.module-definition.js';
import { DEVICE_GRANT_TOKEN_REVOCATIONS, type TokenRevocations } from './token-revocations.js';

/** How long a local answer is kept: a revocation reaches every instance within this. */
const LOCAL_CACHE_MS = 1_000;
/** Bound on remembered local answers. */
const LOCAL_MAX_ENTRIES = 10_000;

/**
 * Whether the authorization server still considers a token active, remembered per `jti`: an "active"
 * answer for a while (never beyond the token's `exp`, RFC 7662 §4), an "inactive" one until `exp` (a
 * revoked token never comes back). Two sources:
 * - `revocationCheck`: introspection (RFC 7662) with this resource server's client credentials, an
 *   active answer kept `cacheTtl` seconds, so a revocation reaches this server within `cacheTtl`;
 * - `localRevocationCheck`: the authorization server in this same application, through its store, an
 *   active answer kept at most a second, so a revocation reaches every instance within a second.
 * Off unless one is configured.
 * @see RFC 7662 §2, §4; RFC 7009 §2.1
 */
@Injectable()
export class RevocationCheckService implements OnModuleInit {
  private readonly cache = new Map<string, { active: boolean; until: number }>();
  private readonly clock: Clock;
  private local?: TokenRevocations;

  constructor(
    @InjectDeviceGrantResourceOptions() private readonly options: ResolvedDeviceGrantResourceOptions,
    private readonly metadata: AuthorizationServerMetadataService,
    private readonly moduleRef: ModuleRef,
  ) {
    this.clock = options.clock ?? systemClock;
  }

  onModuleInit(): void {
    if (!this.options.localRevocationCheck) return;
    try {
      this.local = this.moduleRef.get<TokenRevocations>(DEVICE_GRANT_TOKEN_REVOCATIONS, { strict: false });
    } catch {
      throw new Error('DeviceGrantResourceModule: localRevocationCheck needs DeviceGrantModule in the same application (use revocationCheck for a remote one)');
    }
  }

  get enabled(): boolean {
    return this.options.revocationCheck !== undefined || this.options.localRevocationCheck;
  }

  /**
   * The remembered answer for `jti`, without waiting: true or false while it holds, undefined when
   * it must be asked ({@link isActive}). Most requests of a busy API end here.
   */
  remembered(jti: string): boolean | undefined {
    const cached = this.cache.get(jti);
    return cached && cached.until > this.clock.now() ? cached.active : undefined;
  }

  /** True when the token is still active; `exp` in seconds. */
  async isActive(token: string, jti: string, exp: number): Promise<boolean> {
    const check = this.options.revocationCheck;
    if (!check && !this.local) return true;
    const remembered = this.remembered(jti);
    if (remembered !== undefined) return remembered;
    const now = this.clock.now();
    const active = this.local ? await this.local.isActive(jti) : await this.introspect(token);
    const keepMs = this.local ? LOCAL_CACHE_MS : check!.cacheTtl * 1000;
    const until = Math.min(exp * 1000, active ? now + keepMs : Infinity);
    this.cache.delete(jti);
    this.cache.set(jti, { active, until });
    const maxEntries = check?.maxEntries ?? LOCAL_MAX_ENTRIES;
    while (this.cache.size > maxEntries) this.cache.delete(this.cache.keys().next().value!);
    return active;
  }

  private async introspect(token: string): Promise<boolean> {
    const check = this.options.revocationCheck!;
    const endpoint = (await this.metadata.get()).introspection_endpoint;
    if (!endpoint) throw new AuthorizationServerUnavailable('its metadata has no introspection_endpoint');
    const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
    let body: unknown;
    try {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          authorization: 'Basic ' + Buffer.from(`${encode(check.clientId)}:${encode(check.clientSecret)}`).toString('base64'),
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        signal: AbortSignal.timeout(this.options.httpTimeout * 1000),
      });
      if (response.status !== 200) throw new AuthorizationServerUnavailable(`introspection answered ${response.status}`);
      body = await response.json();
    } catch (error) {
      if (error instanceof AuthorizationServerUnavailable) throw error;
      throw new AuthorizationServerUnavailable('introspection failed');
    }
    const active = (body as { active?: unknown } | null)?.active;
    if (typeof active !== 'boolean') throw new AuthorizationServerUnavailable('introspection answered without active');
    return active;
  }
}
