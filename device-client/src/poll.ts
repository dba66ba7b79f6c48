import { ExpiredTokenError, SlowDownError, AuthorizationPendingError, TransportError } from './errors.js';
import type { ClientAuth, Transport } from './http.js';
import { tokenRequest } from './token-request.js';
import { DEVICE_CODE_GRANT_TYPE, type PendingAuthorization, type TokenEndpointResponse } from './types.js';

/**
 * Seconds added to the interval on every `slow_down` (RFC 8628 §3.5).
 *
 * @see RFC 8628 §3.5
 */
export const SLOW_DOWN_INCREMENT = 5;

/**
 * Options of one polling run.
 *
 * @see RFC 8628 §3.5
 */
export interface PollOptions {
  signal?: AbortSignal;
  /** Called with the new interval (seconds) after every `slow_down`, e.g. to store it. */
  onSlowDown?: (interval: number) => void | Promise<void>;
  /** Called before each poll request, with the interval (seconds) that was just waited. */
  onPoll?: (interval: number) => void;
}

/**
 * Polls the token endpoint (RFC 8628 §3.4–3.5): waits `interval` before every request, adds 5 s
 * on each `slow_down` and keeps it, continues on `authorization_pending`, and stops on any other
 * error. No request is sent at or after `pending.expiresAt`: the run ends with an
 * {@link ExpiredTokenError} instead. Transient failures are retried inside the same deadline.
 *
 * @see RFC 8628 §3.4
 */
export async function pollDeviceToken(
  t: Transport,
  tokenEndpoint: string,
  auth: ClientAuth,
  pending: PendingAuthorization,
  options: PollOptions = {},
): Promise<{ response: TokenEndpointResponse; sentAt: number }> {
  const { signal } = options;
  let interval = pending.interval;
  const deadline = pending.expiresAt;
  for (;;) {
    signal?.throwIfAborted();
    if (t.now() + interval * 1000 >= deadline) {
      throw new ExpiredTokenError('the device code expires before the next poll is allowed');
    }
    await t.sleep(interval * 1000, signal);
    options.onPoll?.(interval);
    const sentAt = t.now();
    try {
      const response = await tokenRequest(
        t,
        tokenEndpoint,
        auth,
        { grant_type: DEVICE_CODE_GRANT_TYPE, device_code: pending.deviceCode },
        { signal, deadline, minDelayMs: interval * 1000 },
      );
      return { response, sentAt };
    } catch (error) {
      if (error instanceof AuthorizationPendingError) continue;
      if (error instanceof SlowDownError) {
        interval += SLOW_DOWN_INCREMENT;
        await options.onSlowDown?.(interval);
        continue;
      }
      const transient = error instanceof TransportError && (!error.status || error.status >= 500 || error.status === 429);
      if (transient) {
        throw new ExpiredTokenError('the server could not be reached before the device code expired', {
          cause: error,
        });
      }
      throw error;
    }
  }
}
