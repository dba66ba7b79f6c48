import { Injectable } from '@nestjs/common';
import { ClientService } from '../clients/client.service.js';
import { REFRESH_TOKEN_GRANT_TYPE } from '../constants.js';
import { DeviceGrantEvent } from '../events/device-grant-events.js';
import { DeviceGrantEvents } from '../events/device-grant-events.service.js';
import type { FormParams, OAuthHttpRequest } from '../http/form-params.js';
import type { ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { InjectDeviceGrantOptions } from '../device-grant.module-definition.js';
import { InvalidGrant } from '../oauth-errors/oauth-error.js';
import { formatScope, parseScope } from '../scopes/scope.js';
import { RefreshTokenService } from '../tokens/refresh-token.service.js';
import { TokenIssuerService } from '../tokens/token-issuer.service.js';
import type { TokenResponse } from '../tokens/token-response.js';

const REFRESH_TOKEN = /^[A-Za-z0-9_-]{20,128}$/;

/**
 * The refresh token grant with rotation: every use returns a new refresh token of the same family
 * and scope; the used one dies, and using it again revokes the family, except as a retry within
 * `refreshRetryGrace` while its successor is unused (an answer lost on the way): then the successor is
 * superseded and a new pair issued.
 * @see RFC 6749 §6, RFC 9700 §4.14.2
 */
@Injectable()
export class RefreshTokenGrant {
  constructor(
    private readonly clients: ClientService,
    private readonly refreshTokens: RefreshTokenService,
    private readonly issuer: TokenIssuerService,
    private readonly events: DeviceGrantEvents,
    @InjectDeviceGrantOptions() private readonly options: ResolvedDeviceGrantOptions,
  ) {}

  async handle(request: OAuthHttpRequest, params: FormParams): Promise<TokenResponse> {
    const client =
      this.clients.knownPublicClient(request, params, REFRESH_TOKEN_GRANT_TYPE) ??
      (await this.clients.authenticate(request, params, REFRESH_TOKEN_GRANT_TYPE));
    const token = params.require('refresh_token');
    const scopeParam = params.get('scope');
    const requested = scopeParam === undefined ? undefined : parseScope(scopeParam);
    if (!REFRESH_TOKEN.test(token)) throw new InvalidGrant('the refresh token is invalid');
    const used = await this.refreshTokens.consume(token, client.clientId, requested, this.options.refreshRetryGrace * 1000);
    const subject = {
      grantId: used.grantId,
      client,
      subject: used.subject,
      grantedScope: used.scope,
      accessScope: requested ? formatScope(requested) : used.scope,
      familyId: used.familyId,
    };
    const next = this.issuer.prepareRefreshToken(subject)!;
    let issued: { response: TokenResponse; jti: string };
    let stored: boolean;
    try {
      // The access token is recorded first, then the successor: a revocation (RFC 7009, a disconnect,
      // a replay) that raced with this rotation is then either seen by the successor's conditional
      // insert, or it came after both and took them down.
      issued = await this.issuer.respond(subject, next);
      stored = await this.refreshTokens.saveSuccessor(next.record, used.id);
    } catch (error) {
      await this.refreshTokens.release(used);
      throw error;
    }
    if (!stored) throw new InvalidGrant('the refresh token was revoked');
    this.events.emit(DeviceGrantEvent.TokenRefreshed, {
      grantId: used.grantId,
      clientId: client.clientId,
      subject: used.subject,
      scope: subject.accessScope,
      jti: issued.jti,
      refreshToken: true,
    });
    return issued.response;
  }
}
