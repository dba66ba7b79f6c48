import { Injectable } from '@nestjs/common';
import { InjectClock, type Clock } from '../clock.js';
import { DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE } from '../constants.js';
import { FormParams, type OAuthHttpRequest } from '../http/form-params.js';
import { UnsupportedGrantType } from '../oauth-errors/oauth-error.js';
import type { TokenResponse } from '../tokens/token-response.js';
import { DeviceCodeGrant, type PollAnswer } from './device-code.grant.js';
import { RefreshTokenGrant } from './refresh-token.grant.js';

/** Dispatches a token request to its grant. @see RFC 6749 §3.2, §4.5 */
@Injectable()
export class TokenService {
  constructor(
    private readonly deviceCode: DeviceCodeGrant,
    private readonly refreshToken: RefreshTokenGrant,
    @InjectClock() private readonly clock: Clock,
  ) {}

  token(request: OAuthHttpRequest): Promise<TokenResponse | PollAnswer> {
    // Read first, before any awaited work: a poll is stamped with the time it arrived.
    const receivedAt = this.clock.now();
    const params = FormParams.from(request);
    const grantType = params.require('grant_type');
    if (grantType === DEVICE_CODE_GRANT_TYPE) return this.deviceCode.handle(request, params, receivedAt);
    if (grantType === REFRESH_TOKEN_GRANT_TYPE) return this.refreshToken.handle(request, params);
    throw new UnsupportedGrantType('the grant type is not supported');
  }
}
