import { Injectable } from '@nestjs/common';
import { ClientService } from '../clients/client.service.js';
import { DeviceGrantEvent } from '../events/device-grant-events.js';
import { DeviceGrantEvents } from '../events/device-grant-events.service.js';
import { FormParams, type OAuthHttpRequest } from '../http/form-params.js';
import type { ClientRecord } from '../persistence/records.js';
import { AccessTokenService } from '../tokens/access-token.service.js';
import { RefreshTokenService } from '../tokens/refresh-token.service.js';
import { tokenTypeOf } from '../tokens/token-type-hint.js';

/**
 * Token revocation: the client authenticates as at the token endpoint, then a refresh token of its own
 * takes its whole family (and the access tokens issued with it) down, and an access token of its own
 * is marked revoked by `jti`. Unknown, expired and other clients' tokens change nothing, and the
 * answer is the same 200 (so the endpoint tells nobody whether a token exists).
 * @see RFC 7009 §2
 */
@Injectable()
export class RevocationService {
  constructor(
    private readonly clients: ClientService,
    private readonly accessTokens: AccessTokenService,
    private readonly refreshTokens: RefreshTokenService,
    private readonly events: DeviceGrantEvents,
  ) {}

  async revoke(request: OAuthHttpRequest): Promise<void> {
    const params = FormParams.from(request);
    const client = await this.clients.authenticateClient(request, params);
    const token = params.require('token');
    // token_type_hint: read and not needed (tokenTypeOf); an unknown value is ignored (RFC 7009 §2.2).
    const type = tokenTypeOf(token);
    if (type === 'refresh_token') await this.revokeRefreshToken(token, client);
    else if (type === 'access_token') await this.revokeAccessToken(token, client);
  }

  /** The family goes, whichever of its tokens was presented (a rotated one is still this grant's). */
  private async revokeRefreshToken(token: string, client: ClientRecord): Promise<void> {
    const row = await this.refreshTokens.find(token);
    if (!row || row.clientId !== client.clientId) return;
    await this.refreshTokens.revokeFamily(row.familyId);
    this.events.emit(DeviceGrantEvent.TokenRevoked, {
      clientId: client.clientId,
      what: 'refresh_token_family',
      grantId: row.grantId,
      subject: row.subject,
    });
  }

  private async revokeAccessToken(token: string, client: ClientRecord): Promise<void> {
    const verified = await this.accessTokens.verify(token);
    if (!verified || verified.payload.client_id !== client.clientId) return;
    await this.accessTokens.revoke(verified.payload.jti);
    this.events.emit(DeviceGrantEvent.TokenRevoked, {
      clientId: client.clientId,
      what: 'access_token',
      subject: typeof verified.payload.sub === 'string' ? verified.payload.sub : undefined,
    });
  }
}
