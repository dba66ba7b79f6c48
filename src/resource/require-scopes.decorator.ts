import { SetMetadata } from '@nestjs/common';

export const REQUIRED_SCOPES = 'device-grant:required-scopes';

/**
 * Scopes the access token must all carry, on a handler or a controller (both lists apply).
 * Enforced by `DeviceGrantAuthGuard`: without them, 403 `insufficient_scope`.
 * @example @RequireScopes('telemetry:write')
 * @see RFC 6750 §3.1
 */
export const RequireScopes = (...scopes: string[]): MethodDecorator & ClassDecorator => SetMetadata(REQUIRED_SCOPES, scopes);
