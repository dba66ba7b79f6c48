import { Post, Req, Res, UseFilters } from '@nestjs/common';
import type { OAuthHttpRequest } from '../http/form-params.js';
import { OAuthResponder } from '../http/oauth-responder.js';
import { OAuthExceptionFilter } from '../oauth-errors/oauth-exception.filter.js';
import { RevocationService } from './revocation.service.js';

/**
 * `POST /oauth/revoke` (path configurable): 200 with an empty body, for a revoked token and an unknown
 * one alike. Mounted by `DeviceGrantModule`; answers through {@link OAuthResponder}.
 * @see RFC 7009 §2.1–2.2
 */
@UseFilters(OAuthExceptionFilter)
export class RevocationController {
  constructor(
    private readonly service: RevocationService,
    private readonly responder: OAuthResponder,
  ) {}

  @Post()
  revoke(@Req() request: OAuthHttpRequest, @Res() response: unknown): Promise<void> {
    return this.responder.respond('revocation', request, response, () => this.service.revoke(request));
  }
}
