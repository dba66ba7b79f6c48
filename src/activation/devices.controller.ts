import { Get, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ActivationExceptionFilter } from './activation-exception.filter.js';
import { DevicesPageService } from './devices-page.service.js';
import type { PageRequest } from './page-request.js';
import { sendPageResult } from './page-response.js';

/** The page where a signed-in person sees the devices they approved and disconnects one (default `/devices`). */
@UseFilters(ActivationExceptionFilter)
export class DevicesController {
  constructor(
    @Inject(DevicesPageService) private readonly devices: DevicesPageService,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Get()
  async list(@Req() request: PageRequest, @Res() response: unknown): Promise<void> {
    sendPageResult(this.adapterHost.httpAdapter, response, await this.devices.list(request));
  }

  @Post()
  async disconnect(@Req() request: PageRequest, @Res() response: unknown): Promise<void> {
    sendPageResult(this.adapterHost.httpAdapter, response, await this.devices.disconnect(request));
  }
}
