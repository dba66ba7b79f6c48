import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { createRemoteJWKSet, jwksCache, type ExportedJWKSCache, type JWTVerifyGetKey, type RemoteJWKSet } from 'jose';
import type { ResolvedDeviceGrantResourceOptions } from './device-grant-resource.options.js';
import { InjectDeviceGrantResourceOptions } from './device-grant-resource.module-definition.js';

/** The parts of the authorization server's metadata a resource server uses. */
export interface AuthorizationServerMetadata {
  issuer: string;
  jwks_uri?: string;
  introspection_endpoint?: string;
}

/** The authorization server could not be reached or answered nonsense: 503, never "your token is bad". */
export class AuthorizationServerUnavailable extends ServiceUnavailableException {
  constructor(detail: string) {
    super({ error: 'temporarily_unavailable', error_description: `the authorization server is unavailable (${detail})` });
  }
}

/**
 * The issuer's RFC 8414 metadata and its key set, fetched on first need (so the resource server may
 * start before the authorization server) and kept; a failed fetch is retried by the next request.
 * The key set is jose's remote JWKS: cached, and fetched again when a token names an unknown `kid`,
 * so a key rotation needs no restart.
 * @see RFC 8414 §3, RFC 9068 §4
 */
@Injectable()
export class AuthorizationServerMetadataService {
  private metadata?: Promise<AuthorizationServerMetadata>;
  private keySet?: Promise<JWTVerifyGetKey>;
  private remoteKeySet?: RemoteJWKSet;
  /** jose writes the time of each successful fetch of the key set here (its `jwksCache` hook). */
  private readonly fetched: Partial<ExportedJWKSCache> = {};

  constructor(@InjectDeviceGrantResourceOptions() private readonly options: ResolvedDeviceGrantResourceOptions) {}

  /** The metadata document, checked: its `issuer` must be the configured one exactly (RFC 8414 §3.3). */
  get(): Promise<AuthorizationServerMetadata> {
    this.metadata ??= this.fetchMetadata().catch((error: unknown) => {
      this.metadata = undefined;
      throw error;
    });
    return this.metadata;
  }

  /** The key resolver for `jwtVerify`. */
  keys(): Promise<JWTVerifyGetKey> {
    this.keySet ??= (async () => {
      const uri = this.options.jwksUri ?? (await this.get()).jwks_uri;
      if (!uri) throw new AuthorizationServerUnavailable('its metadata has no jwks_uri');
      this.remoteKeySet = createRemoteJWKSet(new URL(uri), {
        cacheMaxAge: this.options.jwksCacheMaxAge * 1000,
        cooldownDuration: this.options.jwksCooldown * 1000,
        timeoutDuration: this.options.httpTimeout * 1000,
        [jwksCache]: this.fetched as ExportedJWKSCache,
      });
      return this.remoteKeySet;
    })().catch((error: unknown) => {
      this.keySet = undefined;
      throw error;
    });
    return this.keySet;
  }

  /**
   * Which fetch of the key set is in use: the time it was fetched (ms), while it is within
   * `jwksCacheMaxAge`; undefined before the first fetch and once it is due to be fetched again. A
   * token verified with one version may be trusted again only while the same version is current, so
   * a key the authorization server withdrew stops counting when it would have without any cache.
   */
  keySetVersion(): number | undefined {
    return this.remoteKeySet?.fresh ? this.fetched.uat : undefined;
  }

  private async fetchMetadata(): Promise<AuthorizationServerMetadata> {
    let body: unknown;
    try {
      const response = await fetch(this.options.metadataUrl, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.options.httpTimeout * 1000),
      });
      if (response.status !== 200) throw new AuthorizationServerUnavailable(`metadata answered ${response.status}`);
      body = await response.json();
    } catch (error) {
      if (error instanceof AuthorizationServerUnavailable) throw error;
      throw new AuthorizationServerUnavailable('metadata could not be fetched');
    }
    const metadata = body as Partial<AuthorizationServerMetadata> | null;
    if (!metadata || typeof metadata !== 'object' || metadata.issuer !== this.options.issuer) {
      throw new AuthorizationServerUnavailable('its metadata names another issuer');
    }
    for (const name of ['jwks_uri', 'introspection_endpoint'] as const) {
      if (metadata[name] !== undefined && typeof metadata[name] !== 'string') {
        throw new AuthorizationServerUnavailable(`its metadata has a malformed ${name}`);
      }
    }
    return metadata as AuthorizationServerMetadata;
  }
}
