import { Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { DeviceGrantAuthGuard } from '../resource/device-grant-auth.guard.js';
import { AuthenticatedPrincipal, type DeviceGrantPrincipal } from '../resource/device-grant-principal.js';
import { RequireScopes } from '../resource/require-scopes.decorator.js';

/** The demo's protected API: what a device can do with its access token. */
@Controller('api')
@UseGuards(DeviceGrantAuthGuard)
export class DemoApiController {
  /** Who the token speaks for. Needs `profile`. */
  @Get('me')
  @RequireScopes('profile')
  me(@AuthenticatedPrincipal() principal: DeviceGrantPrincipal): { sub: string; client_id: string; scope: string } {
    return { sub: principal.sub, client_id: principal.client_id, scope: principal.scope };
  }

  /** Accepts a measurement (and drops it: it is a demo). Needs `telemetry:write`. */
  @Post('telemetry')
  @HttpCode(202)
  @RequireScopes('telemetry:write')
  telemetry(@AuthenticatedPrincipal() principal: DeviceGrantPrincipal): { accepted: true; sub: string; client_id: string } {
    return { accepted: true, sub: principal.sub, client_id: principal.client_id };
  }
}
