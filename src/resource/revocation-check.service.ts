import { Injectable } from '@nestjs/common';
import { systemClock, type Clock } from '../clock.js';
import { AuthorizationServerMetadataService, AuthorizationServerUnavailable } from './authorization-server-metadata.service.js';
import type { ResolvedDeviceGrantResourceOptions } from './device-grant-resource.options.js';
import { InjectDeviceGrantResourceOptions } from './device-grant-resource.module-definition.js';

/**
 * Whether the authorization server still considers a token active, asked through introspection
 * (RFC 7662) with this resource server's client credentials, and remembered per `jti`: an "active"
 * answer for `cacheTtl` seconds (never beyond the token's `exp`, RFC 7662 §4), an "inactive" one until
 * `exp` (a revoked token never comes back). A revocation therefore reaches this server within `cacheTtl`.
 * Off unless `revocationCheck` is configured.
 * @see RFC 7662 §2, §4; RFC 7009 §2.1
 */
@Injectable()
export class RevocationCheckService {
  private readonly cache = new Map<string, { active: boolean; until: number }>();
  private readonly clock: Clock;

  constructor(
    @InjectDeviceGrantResourceOptions() private readonly options: ResolvedDeviceGrantResourceOptions,
    private readonly metadata: AuthorizationServerMetadataService,
  ) {
    this.clock = options.clock ?? systemClock;
  }

  get enabled(): boolean {
    return this.options.revocationCheck !== undefined;
  }

  /** True when the token is still active; `exp` in seconds. */
  async isActive(token: string, jti: string, exp: number): Promise<boolean> {
    const check = this.options.revocationCheck;
    if (!check) return true;
    const now = this.clock.now();
    const cached = this.cache.get(jti);
    if (cached && cached.until > now) return cached.active;
    const active = await this.introspect(token);
    const until = Math.min(exp * 1000, active ? now + check.cacheTtl * 1000 : Infinity);
    this.cache.delete(jti);
    this.cache.set(jti, { active, until });
    while (this.cache.size > check.maxEntries) this.cache.delete(this.cache.keys().next().value!);
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
