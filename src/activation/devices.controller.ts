import { Get, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { OAuthExceptionFilter } from '../oauth-errors/oauth-exception.filter.js';
import { ActivationService, type PageRequest } from './activation.service.js';
import { sendPageResult } from './page-response.js';

/** The page where a signed-in person sees the devices they approved and disconnects one (default `/devices`). */
@UseFilters(OAuthExceptionFilter)
export class DevicesController {
  constructor(
    @Inject(ActivationService) private readonly activation: ActivationService,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Get()
  async list(@Req() request: PageRequest, @Res() response: unknown): Promise<void> {
    sendPageResult(this.adapterHost.httpAdapter, response, await this.activation.devices(request));
  }

  @Post()
  async disconnect(@Req() request: PageRequest, @Res() response: unknown): Promise<void> {
    sendPageResult(this.adapterHost.httpAdapter, response, await this.activation.disconnect(request));
  }
}
