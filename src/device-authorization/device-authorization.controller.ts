import { Post, Req, Res, UseFilters } from '@nestjs/common';
import type { OAuthHttpRequest } from '../http/form-params.js';
import { OAuthResponder } from '../http/oauth-responder.js';
import { OAuthExceptionFilter } from '../oauth-errors/oauth-exception.filter.js';
import { DeviceAuthorizationService } from './device-authorization.service.js';

/**
 * `POST /oauth/device_authorization` (path configurable). Mounted by `DeviceGrantModule`; answers
 * through {@link OAuthResponder}.
 * @see RFC 8628 §3.1
 */
@UseFilters(OAuthExceptionFilter)
export class DeviceAuthorizationController {
  constructor(
    private readonly service: DeviceAuthorizationService,
    private readonly responder: OAuthResponder,
  ) {}

  @Post()
  authorize(@Req() request: OAuthHttpRequest, @Res() response: unknown): Promise<void> {
    return this.responder.respond('device_authorization', request, response, () => this.service.authorize(request));
  }
}
