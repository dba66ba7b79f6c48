import { Injectable } from '@nestjs/common';
import { OFFLINE_ACCESS_SCOPE, REFRESH_TOKEN_GRANT_TYPE } from '../constants.js';
import type { ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { InjectDeviceGrantOptions } from '../device-grant.module-definition.js';
import type { ClientRecord } from '../persistence/records.js';
import { splitScope } from '../scopes/scope.js';
import { AccessTokenService } from './access-token.service.js';
import { RefreshTokenService, type NewRefreshToken } from './refresh-token.service.js';
import type { TokenResponse } from './token-response.js';

/** Who the tokens are for and what they allow. */
export interface TokenSubject {
  grantId: string;
  client: ClientRecord;
  subject: string;
  /** Scope consented to (kept by the refresh token). */
  grantedScope: string;
  /** Scope of this access token (may be narrower on refresh). */
  accessScope: string;
  /** Continue this refresh-token family instead of starting one. */
  familyId?: string;
}

/** Builds token responses: an access token, and a refresh token when the grant allows one. */
@Injectable()
export class TokenIssuerService {
  constructor(
    private readonly accessTokens: AccessTokenService,
    private readonly refreshTokens: RefreshTokenService,
    @InjectDeviceGrantOptions() private readonly options: ResolvedDeviceGrantOptions,
  ) {}

  /** Whether this grant gets a refresh token: the client may refresh and asked for `offline_access` (or always does). */
  wantsRefreshToken(client: ClientRecord, grantedScope: string): boolean {
    return (
      splitScope(client.grantTypes).includes(REFRESH_TOKEN_GRANT_TYPE) &&
      (client.alwaysIssueRefreshToken || splitScope(grantedScope).includes(OFFLINE_ACCESS_SCOPE))
    );
  }

  /** A refresh token to save before the response goes out (so nothing is handed out that is not stored). */
  prepareRefreshToken(subject: TokenSubject): NewRefreshToken | undefined {
    if (!subject.familyId && !this.wantsRefreshToken(subject.client, subject.grantedScope)) return undefined;
    return this.refreshTokens.create({
      familyId: subject.familyId,
      grantId: subject.grantId,
      clientId: subject.client.clientId,
      subject: subject.subject,
      scope: subject.grantedScope,
      ttl: subject.client.refreshTokenTtl ?? this.options.refreshTokenTtl,
    });
  }

  async saveRefreshToken(refreshToken: NewRefreshToken): Promise<void> {
    await this.refreshTokens.save(refreshToken.record);
  }

  /** Signs and records the access token and builds the response; `jti` is the access token's, for events. */
  async respond(subject: TokenSubject, refreshToken: NewRefreshToken | undefined): Promise<{ response: TokenResponse; jti: string }> {
    const ttl = subject.client.accessTokenTtl ?? this.options.accessTokenTtl;
    const { token: accessToken, jti } = await this.accessTokens.issue({
      subject: subject.subject,
      clientId: subject.client.clientId,
      scope: subject.accessScope,
      ttl,
      grantId: subject.grantId,
      familyId: refreshToken?.record.familyId ?? subject.familyId,
    });
    const response: TokenResponse = { access_token: accessToken, token_type: 'Bearer', expires_in: ttl };
    if (subject.accessScope) response.scope = subject.accessScope;
    if (refreshToken) response.refresh_token = refreshToken.token;
    return { response, jti };
  }
}
