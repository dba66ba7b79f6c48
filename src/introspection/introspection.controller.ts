import { Post, Req, Res, UseFilters } from '@nestjs/common';
import type { OAuthHttpRequest } from '../http/form-params.js';
import { OAuthResponder } from '../http/oauth-responder.js';
import { OAuthExceptionFilter } from '../oauth-errors/oauth-exception.filter.js';
import { IntrospectionService } from './introspection.service.js';

/**
 * `POST /oauth/introspect` (path configurable). Mounted by `DeviceGrantModule`; answers through
 * {@link OAuthResponder}.
 * @see RFC 7662 §2
 */
@UseFilters(OAuthExceptionFilter)
export class IntrospectionController {
  constructor(
    private readonly service: IntrospectionService,
    private readonly responder: OAuthResponder,
  ) {}

  @Post()
  introspect(@Req() request: OAuthHttpRequest, @Res() response: unknown): Promise<void> {
    return this.responder.respond('introspection', request, response, () => this.service.introspect(request));
  }
}
