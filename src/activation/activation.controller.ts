import { Get, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { OAuthExceptionFilter } from '../oauth-errors/oauth-exception.filter.js';
import { ActivationService, type PageRequest } from './activation.service.js';
import { sendPageResult, type PageResult } from './page-response.js';

/**
 * The verification pages at `verification_uri` (default `/activate`). Mounted by `DeviceGrantModule`.
 * @see RFC 8628 §3.3
 */
@UseFilters(OAuthExceptionFilter)
export class ActivationController {
  constructor(
    @Inject(ActivationService) private readonly activation: ActivationService,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Get()
  async start(@Req() request: PageRequest, @Res() response: unknown): Promise<void> {
    this.send(response, await this.activation.start(request));
  }

  @Post()
  async submitCode(@Req() request: PageRequest, @Res() response: unknown): Promise<void> {
    this.send(response, await this.activation.submitCode(request));
  }

  @Get('confirm')
  async confirm(@Req() request: PageRequest, @Res() response: unknown): Promise<void> {
    this.send(response, await this.activation.confirm(request));
  }

  @Post('sign-in')
  async signIn(@Req() request: PageRequest, @Res() response: unknown): Promise<void> {
    this.send(response, await this.activation.signIn(request));
  }

  @Post('decision')
  async decide(@Req() request: PageRequest, @Res() response: unknown): Promise<void> {
    this.send(response, await this.activation.decide(request));
  }

  @Post('sign-out')
  async signOut(@Req() request: PageRequest, @Res() response: unknown): Promise<void> {
    this.send(response, await this.activation.signOut(request));
  }

  @Get('qr')
  async qr(@Req() request: PageRequest, @Res() response: unknown): Promise<void> {
    this.send(response, await this.activation.qr(request));
  }

  @Get('style.css')
  stylesheet(@Res() response: unknown): void {
    this.send(response, this.activation.stylesheet());
  }

  private send(response: unknown, result: PageResult): void {
    sendPageResult(this.adapterHost.httpAdapter, response, result);
  }
}
