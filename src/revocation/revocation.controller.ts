import { Header, HttpCode, Post, Req, UseFilters } from '@nestjs/common';
import type { OAuthHttpRequest } from '../http/form-params.js';
import { OAuthExceptionFilter } from '../oauth-errors/oauth-exception.filter.js';
import { RevocationService } from './revocation.service.js';

/**
 * `POST /oauth/revoke` (path configurable): 200 with an empty body, for a revoked token and an unknown
 * one alike. Mounted by `DeviceGrantModule`.
 * @see RFC 7009 §2.1–2.2
 */
@UseFilters(OAuthExceptionFilter)
export class RevocationController {
  constructor(private readonly service: RevocationService) {}

  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  revoke(@Req() request: OAuthHttpRequest): Promise<void> {
    return this.service.revoke(request);
  }
}
