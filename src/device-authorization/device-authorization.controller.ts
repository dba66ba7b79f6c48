import { Header, HttpCode, Post, Req, UseFilters } from '@nestjs/common';
import type { OAuthHttpRequest } from '../http/form-params.js';
import { OAuthExceptionFilter } from '../oauth-errors/oauth-exception.filter.js';
import { DeviceAuthorizationService, type DeviceAuthorizationResponse } from './device-authorization.service.js';

/**
 * `POST /oauth/device_authorization` (path configurable). Mounted by `DeviceGrantModule`.
 * @see RFC 8628 §3.1
 */
@UseFilters(OAuthExceptionFilter)
export class DeviceAuthorizationController {
  constructor(private readonly service: DeviceAuthorizationService) {}

  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  authorize(@Req() request: OAuthHttpRequest): Promise<DeviceAuthorizationResponse> {
    return this.service.authorize(request);
  }
}
