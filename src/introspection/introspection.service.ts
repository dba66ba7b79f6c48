import { Injectable } from '@nestjs/common';
import { ClientService } from '../clients/client.service.js';
import type { ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { InjectDeviceGrantOptions } from '../device-grant.module-definition.js';
import { InjectClock, type Clock } from '../clock.js';
import { FormParams, type OAuthHttpRequest } from '../http/form-params.js';
import { InvalidClient } from '../oauth-errors/oauth-error.js';
import type { ClientRecord } from '../persistence/records.js';
import { AccessTokenService } from '../tokens/access-token.service.js';
import { RefreshTokenService } from '../tokens/refresh-token.service.js';
import { tokenTypeOf } from '../tokens/token-type-hint.js';

/** An introspection answer. @see RFC 7662 §2.2 */
export interface IntrospectionResponse {
  active: boolean;
  scope?: string;
  client_id?: string;
  sub?: string;
  exp?: number;
  iat?: number;
  /** `Bearer` for an access token; `refresh_token` for a refresh token. */
  token_type?: string;
  iss?: string;
  aud?: string | string[];
  jti?: string;
}

/** The whole answer for an expired, revoked, unknown or not-visible token. @see RFC 7662 §2.2 */
const INACTIVE: IntrospectionResponse = Object.freeze({ active: false });

/**
 * Token introspection, for confidential clients only (a public client's `client_id` is no proof).
 * Who sees what: a resource server listed in `introspectionClients` sees every active access token;
 * any other confidential client sees only tokens issued to itself; refresh tokens are shown only to
 * their own client. Everything else is `{"active": false}`, with nothing to tell the cases apart.
 * @see RFC 7662 §2, §4 (token scanning), §5 (privacy)
 */
@Injectable()
export class IntrospectionService {
  constructor(
    private readonly clients: ClientService,
    private readonly accessTokens: AccessTokenService,
    private readonly refreshTokens: RefreshTokenService,
    @InjectDeviceGrantOptions() private readonly options: ResolvedDeviceGrantOptions,
    @InjectClock() private readonly clock: Clock,
  ) {}

  async introspect(request: OAuthHttpRequest): Promise<IntrospectionResponse> {
    const params = FormParams.from(request);
    const caller = await this.clients.authenticateClient(request, params);
    if (!caller.secretHash) throw new InvalidClient('introspection needs a confidential client');
    const token = params.require('token');
    // token_type_hint: read and not needed (tokenTypeOf); an unknown value is ignored.
    const type = tokenTypeOf(token);
    if (type === 'access_token') return this.accessToken(token, caller);
    if (type === 'refresh_token') return this.refreshToken(token, caller);
    return INACTIVE;
  }

  private async accessToken(token: string, caller: ClientRecord): Promise<IntrospectionResponse> {
    const verified = await this.accessTokens.verify(token);
    if (!verified) return INACTIVE;
    const { payload } = verified;
    if (payload.client_id !== caller.clientId && !this.options.introspectionClients.includes(caller.clientId)) {
      return INACTIVE;
    }
    const response: IntrospectionResponse = {
      active: true,
      client_id: payload.client_id,
      sub: payload.sub,
      exp: payload.exp,
      iat: payload.iat,
      token_type: 'Bearer',
      iss: payload.iss,
      aud: payload.aud,
      jti: payload.jti,
    };
    if (payload.scope) response.scope = payload.scope;
    return response;
  }

  private async refreshToken(token: string, caller: ClientRecord): Promise<IntrospectionResponse> {
    const row = await this.refreshTokens.find(token);
    if (!row || row.clientId !== caller.clientId) return INACTIVE;
    if (row.revokedAt !== null || row.usedAt !== null || row.expiresAt <= this.clock.now()) return INACTIVE;
    const response: IntrospectionResponse = {
      active: true,
      client_id: row.clientId,
      sub: row.subject,
      exp: Math.floor(row.expiresAt / 1000),
      iat: Math.floor(row.createdAt / 1000),
      token_type: 'refresh_token',
      iss: this.options.issuer,
    };
    if (row.scope) response.scope = row.scope;
    return response;
  }
}
