import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/**
 * Who a verified access token speaks for, as `DeviceGrantAuthGuard` puts it on `request.user`.
 * @see RFC 9068 §2.2
 */
export interface DeviceGrantPrincipal {
  /** The user who approved the device. */
  sub: string;
  /** The client (device software) the token was issued to. */
  client_id: string;
  /** Space-separated scopes, as on the wire; empty when the token has none. */
  scope: string;
  /** The token's id. */
  jti: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

/** The authenticated principal of the request, as a handler parameter. */
export const AuthenticatedPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): DeviceGrantPrincipal | undefined =>
    context.switchToHttp().getRequest<{ user?: DeviceGrantPrincipal }>().user,
);
