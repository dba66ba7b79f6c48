import { Header, HttpCode, Post, Req, UseFilters } from '@nestjs/common';
import type { OAuthHttpRequest } from '../http/form-params.js';
import { OAuthExceptionFilter } from '../oauth-errors/oauth-exception.filter.js';
import type { TokenResponse } from '../tokens/token-response.js';
import { TokenService } from './token.service.js';

/**
 * `POST /oauth/token` (path configurable). Mounted by `DeviceGrantModule`.
 * @see RFC 6749 §3.2, RFC 8628 §3.4
 */
@UseFilters(OAuthExceptionFilter)
export class TokenController {
  constructor(private readonly service: TokenService) {}

  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  token(@Req() request: OAuthHttpRequest): Promise<TokenResponse> {
    return this.service.token(request);
  }
}
