/**
 * A tiny RFC 8628 authorization server over real HTTP (node:http) for the tests: metadata,
 * device authorization, token (device_code and refresh_token grants, with rotation), revocation
 * and a protected resource. Responses can be scripted per path to produce slow_down, 5xx,
 * Retry-After, dropped connections and hung requests.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Override =
  | { status: number; body?: unknown; retryAfter?: string }
  | { error: string; description?: string }
  | 'destroy'
  | 'hang';

export interface Grant {
  deviceCode: string;
  userCode: string;
  status: 'pending' | 'approved' | 'denied';
  expiresAt: number;
  clientId: string | undefined;
  scope: string | undefined;
  polls: number;
  consumed: boolean;
  approveAfterPolls: number | undefined;
}

export interface LoggedRequest {
  method: string;
  path: string;
  at: number;
  params: URLSearchParams;
  authorization: string | undefined;
  userAgent: string | undefined;
  /** Decoded HTTP Basic credentials, if any. */
  basic?: { id: string; secret: string };
}

export interface FakeServerOptions {
  /** The clock used for expiry and for request timestamps. Default Date.now. */
  now?: () => number;
  /** `interval` to send; undefined omits it. */
  interval?: number;
  expiresIn?: number;
  issuerPath?: string;
  /** Send this issuer in the metadata instead of the right one. */
  issuerOverride?: string;
  revocation?: boolean;
  rotate?: boolean;
  accessTokenTtl?: number;
  /** Real milliseconds the refresh grant takes. */
  refreshDelayMs?: number;
  /** Require HTTP Basic with these credentials. */
  client?: { id: string; secret: string };
  /** Approve each grant after this many polls. */
  approveAfterPolls?: number;
  port?: number;
}

const formDecode = (s: string): string => decodeURIComponent(s.replace(/\+/g, ' '));

export class FakeAuthorizationServer {
  readonly log: LoggedRequest[] = [];
  readonly grants = new Map<string, Grant>();
  readonly refreshTokens = new Set<string>();
  readonly accessTokens = new Set<string>();
  readonly revoked: { token: string; hint: string | null }[] = [];
  refreshCount = 0;
  /** Real time (ms) when the last refresh grant was answered. */
  refreshAnsweredAt = 0;
  readonly #overrides = new Map<string, Override[]>();
  readonly #server: Server;
  readonly options: FakeServerOptions;
  port = 0;

  private constructor(options: FakeServerOptions) {
    this.options = options;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
  }

  static async start(options: FakeServerOptions = {}): Promise<FakeAuthorizationServer> {
    const server = new FakeAuthorizationServer(options);
    await server.listen(options.port ?? 0);
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get issuer(): string {
    return this.url + (this.options.issuerPath ?? '');
  }

  get endpoints(): { deviceAuthorizationEndpoint: string; tokenEndpoint: string; revocationEndpoint?: string } {
    return {
      deviceAuthorizationEndpoint: `${this.url}/device_authorization`,
      tokenEndpoint: `${this.url}/token`,
      revocationEndpoint: this.options.revocation === false ? undefined : `${this.url}/revoke`,
    };
  }

  now(): number {
    return (this.options.now ?? Date.now)();
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.#server.address() as AddressInfo).port;
  }

  /** Stops listening (connections are refused) until `listen(this.port)` again. */
  async pause(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async close(): Promise<void> {
    if (this.#server.listening) await this.pause();
  }

  /** Queues scripted responses for a path ('/token', '/device_authorization', ...). */
  override(path: string, ...responses: Override[]): void {
    this.#overrides.set(path, [...(this.#overrides.get(path) ?? []), ...responses]);
  }

  requests(path: string): LoggedRequest[] {
    return this.log.filter((r) => r.path === path);
  }

  latestGrant(): Grant {
    const grants = [...this.grants.values()];
    return grants[grants.length - 1]!;
  }

  approve(grant: Grant = this.latestGrant()): void {
    grant.status = 'approved';
  }

  deny(grant: Grant = this.latestGrant()): void {
    grant.status = 'denied';
  }

  /** Issues a token pair directly, as if a device had just been approved. */
  issueTokens(): { access_token: string; refresh_token: string; token_type: string; expires_in: number } {
    const access = `at-${randomBytes(8).toString('hex')}`;
    const refresh = `rt-${randomBytes(8).toString('hex')}`;
    this.accessTokens.add(access);
    this.refreshTokens.add(refresh);
    return { access_token: access, refresh_token: refresh, token_type: 'Bearer', expires_in: this.options.accessTokenTtl ?? 3600 };
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', this.url);
    const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const authorization = req.headers.authorization;
    const entry: LoggedRequest = { method: req.method ?? '', path: url.pathname, at: this.now(), params, authorization, userAgent: req.headers['user-agent'] };
    if (authorization?.startsWith('Basic ')) {
      const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      entry.basic = { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
    }
    this.log.push(entry);

    const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        pragma: 'no-cache',
        ...headers,
      });
      res.end(JSON.stringify(body));
    };
    const oauthError = (error: string, description?: string, status = 400): void =>
      json(status, { error, error_description: description });

    const override = this.#overrides.get(url.pathname)?.shift();
    if (override === 'destroy') return void req.socket.destroy();
    if (override === 'hang') return;
    if (override && 'error' in override) return oauthError(override.error, override.description);
    if (override) {
      return json(override.status, override.body ?? { status: override.status }, override.retryAfter ? { 'retry-after': override.retryAfter } : {});
    }

    const client = this.options.client;
    const clientId = entry.basic?.id ?? params.get('client_id') ?? undefined;
    if (client && req.method === 'POST' && url.pathname !== '/resource') {
      if (entry.basic?.id !== client.id || entry.basic.secret !== client.secret) {
        return json(401, { error: 'invalid_client' }, { 'www-authenticate': 'Basic realm="fake"' });
      }
    }

    switch (`${req.method} ${url.pathname}`) {
      case `GET /.well-known/oauth-authorization-server${this.options.issuerPath ?? ''}`:
        return json(200, {
          issuer: this.options.issuerOverride ?? this.issuer,
          device_authorization_endpoint: this.endpoints.deviceAuthorizationEndpoint,
          token_endpoint: this.endpoints.tokenEndpoint,
          revocation_endpoint: this.endpoints.revocationEndpoint,
          grant_types_supported: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
        });
      case 'POST /device_authorization': {
        const deviceCode = `dc-${randomBytes(16).toString('hex')}`;
        const userCode = `WDJB-${randomBytes(2).toString('hex').toUpperCase()}`;
        const expiresIn = this.options.expiresIn ?? 600;
        this.grants.set(deviceCode, {
          deviceCode,
          userCode,
          status: 'pending',
          expiresAt: this.now() + expiresIn * 1000,
          clientId,
          scope: params.get('scope') ?? undefined,
          polls: 0,
          consumed: false,
          approveAfterPolls: this.options.approveAfterPolls,
        });
        return json(200, {
          device_code: deviceCode,
          user_code: userCode,
          verification_uri: `${this.url}/device`,
          verification_uri_complete: `${this.url}/device?user_code=${userCode}`,
          expires_in: expiresIn,
          ...(this.options.interval === undefined ? {} : { interval: this.options.interval }),
        });
      }
      case 'POST /token':
        return this.#token(params, json, oauthError);
      case 'POST /revoke': {
        const token = params.get('token') ?? '';
        this.revoked.push({ token, hint: params.get('token_type_hint') });
        this.refreshTokens.delete(token);
        this.accessTokens.delete(token);
        res.writeHead(200).end();
        return;
      }
      case 'GET /resource': {
        const token = authorization?.startsWith('Bearer ') ? authorization.slice(7) : '';
        if (!this.accessTokens.has(token)) {
          res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
          return;
        }
        return json(200, { ok: true, token });
      }
      default:
        return json(404, { error: 'not_found' });
    }
  }

  async #token(
    params: URLSearchParams,
    json: (status: number, body: unknown) => void,
    oauthError: (error: string, description?: string) => void,
  ): Promise<void> {
    const grantType = params.get('grant_type');
    if (grantType === 'urn:ietf:params:oauth:grant-type:device_code') {
      const grant = this.grants.get(params.get('device_code') ?? '');
      if (!grant || grant.consumed) return oauthError('invalid_grant');
      if (this.now() >= grant.expiresAt) return oauthError('expired_token');
      grant.polls++;
      if (grant.approveAfterPolls !== undefined && grant.polls >= grant.approveAfterPolls && grant.status === 'pending') {
        grant.status = 'approved';
      }
      if (grant.status === 'pending') return oauthError('authorization_pending');
      if (grant.status === 'denied') return oauthError('access_denied', 'the user said no');
      grant.consumed = true;
      return json(200, { ...this.issueTokens(), scope: grant.scope });
    }
    if (grantType === 'refresh_token') {
      this.refreshCount++;
      if (this.options.refreshDelayMs) await new Promise((r) => setTimeout(r, this.options.refreshDelayMs));
      const refreshToken = params.get('refresh_token') ?? '';
      if (!this.refreshTokens.has(refreshToken)) return oauthError('invalid_grant', 'refresh token revoked');
      const issued = this.issueTokens();
      this.refreshAnsweredAt = Date.now();
      if (this.options.rotate === false) {
        this.refreshTokens.delete(issued.refresh_token);
        const { refresh_token: _unused, ...rest } = issued;
        return json(200, rest);
      }
      this.refreshTokens.delete(refreshToken);
      return json(200, issued);
    }
    return oauthError('unsupported_grant_type');
  }
}
