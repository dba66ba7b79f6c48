import { Header, HttpCode, Post, Req, UseFilters } from '@nestjs/common';
import type { OAuthHttpRequest } from '../http/form-params.js';
import { OAuthExceptionFilter } from '../oauth-errors/oauth-exception.filter.js';
import { IntrospectionService, type IntrospectionResponse } from './introspection.service.js';

/**
 * `POST /oauth/introspect` (path configurable). Mounted by `DeviceGrantModule`.
 * @see RFC 7662 §2
 */
@UseFilters(OAuthExceptionFilter)
export class IntrospectionController {
  constructor(private readonly service: IntrospectionService) {}

  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  introspect(@Req() request: OAuthHttpRequest): Promise<IntrospectionResponse> {
    return this.service.introspect(request);
  }
}
