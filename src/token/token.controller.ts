import { Post, Req, Res, UseFilters } from '@nestjs/common';
import type { OAuthHttpRequest } from '../http/form-params.js';
import { OAuthResponder } from '../http/oauth-responder.js';
import { OAuthExceptionFilter } from '../oauth-errors/oauth-exception.filter.js';
import { TokenService } from './token.service.js';

/**
 * `POST /oauth/token` (path configurable). Mounted by `DeviceGrantModule`. Answers through
 * {@link OAuthResponder}: a poll's `authorization_pending` is an answer, not an exception.
 * @see RFC 6749 §3.2, RFC 8628 §3.4
 */
@UseFilters(OAuthExceptionFilter)
export class TokenController {
  constructor(
    private readonly service: TokenService,
    private readonly responder: OAuthResponder,
  ) {}

  @Post()
  token(@Req() request: OAuthHttpRequest, @Res() response: unknown): Promise<void> {
    return this.responder.respond('token', request, response, () => this.service.token(request));
  }
}
