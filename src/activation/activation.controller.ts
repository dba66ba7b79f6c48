import { Get, Inject, Post, Req, Res, UseFilters } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { ActivationExceptionFilter } from './activation-exception.filter.js';
import { ActivationFlowService } from './activation-flow.service.js';
import { ActivationPages } from './activation-pages.service.js';
import type { PageRequest } from './page-request.js';
import { sendPageResult, type PageResult } from './page-response.js';
import { SignInService } from './sign-in.service.js';

/**
 * The verification pages at `verification_uri` (default `/activate`). Mounted by `DeviceGrantModule`.
 * @see RFC 8628 §3.3
 */
@UseFilters(ActivationExceptionFilter)
export class ActivationController {
  constructor(
    @Inject(ActivationFlowService) private readonly flow: ActivationFlowService,
    @Inject(SignInService) private readonly signInBridge: SignInService,
    @Inject(ActivationPages) private readonly pages: ActivationPages,
    @Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost,
  ) {}

  @Get()
  async start(@Req() request: PageRequest, @Res() response: unknown): Promise<void> {
    this.send(response, await this.flow.start(request));
  }

  @Post()
  async submitCode(@Req() request: PageRequest, @Res() response: unknown): Promise<void> {
    this.send(response, await this.flow.submitCode(request));
  }

  @Get('confirm')
  async confirm(@Req() request: PageRequest, @Res() response: unknown): Promise<void> {
    this.send(response, await this.flow.confirm(request));
  }

  @Post('sign-in')
  async signIn(@Req() request: PageRequest, @Res() response: unknown): Promise<void> {
    this.send(response, await this.signInBridge.signIn(request));
  }

  @Post('decision')
  async decide(@Req() request: PageRequest, @Res() response: unknown): Promise<void> {
    this.send(response, await this.flow.decide(request));
  }

  @Post('sign-out')
  async signOut(@Req() request: PageRequest, @Res() response: unknown): Promise<void> {
    this.send(response, await this.signInBridge.signOut(request));
  }

  @Get('qr')
  async qr(@Req() request: PageRequest, @Res() response: unknown): Promise<void> {
    this.send(response, await this.flow.qr(request));
  }

  @Get('style.css')
  stylesheet(@Res() response: unknown): void {
    this.send(response, this.pages.stylesheet());
  }

  private send(response: unknown, result: PageResult): void {
    sendPageResult(this.adapterHost.httpAdapter, response, result);
  }
}
