import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DeviceGrantMetrics } from '../observability/device-grant-metrics.service.js';
import { OAuthError } from '../oauth-errors/oauth-error.js';
import { replyOAuthJson } from '../oauth-errors/oauth-exception.filter.js';
import type { OAuthHttpRequest } from './form-params.js';

/** The OAuth endpoints that answer through {@link OAuthResponder}, as metric labels. */
export type OAuthEndpoint = 'token' | 'device_authorization' | 'revocation' | 'introspection';

/**
 * The one writer of the OAuth endpoints' answers (token, device authorization, revocation,
 * introspection): the work's result as JSON with status 200 (or an empty 200 when it has none), or
 * the `OAuthError` it throws or returns as its RFC 6749 §5.2 body and status, always with the
 * no-store headers; and the answer's latency, timed to the moment it is handed to the socket.
 *
 * An OAuth error here is an expected answer, not a failure: `authorization_pending` is most of what
 * the token endpoint ever says. Answering it directly, instead of letting it travel through Nest's
 * exception handling (and an interceptor's observable) to the exception filter, was the largest
 * single saving on the poll path; taking it as a resolved value instead of a rejection was the next
 * (see `DeviceCodeGrant`). Anything else the work throws is rethrown, for the exception filter to log
 * and answer as `server_error`.
 * @see RFC 6749 §5.1–5.2, RFC 7009 §2.2, RFC 7662 §2.2
 */
@Injectable()
export class OAuthResponder {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: DeviceGrantMetrics,
  ) {}

  /**
   * @param work the endpoint's work: resolves with the success body (or nothing), or with an
   *   `OAuthError` to answer (the answers a polling device gets again and again), or throws one.
   */
  async respond(
    endpoint: OAuthEndpoint,
    request: OAuthHttpRequest & { method?: string },
    response: unknown,
    work: () => Promise<object | void>,
  ): Promise<void> {
    const started = this.metrics.enabled ? performance.now() : 0;
    let body: object | void;
    try {
      body = await work();
    } catch (error) {
      if (!(error instanceof OAuthError)) {
        this.timed(endpoint, request, 500, started);
        throw error;
      }
      body = error;
    }
    if (body instanceof OAuthError) {
      replyOAuthJson(this.adapterHost.httpAdapter, response, body.status, body.json, body.headers);
      this.timed(endpoint, request, body.status, started);
      return;
    }
    replyOAuthJson(this.adapterHost.httpAdapter, response, 200, body);
    this.timed(endpoint, request, 200, started);
  }

  private timed(endpoint: OAuthEndpoint, request: { method?: string }, status: number, started: number): void {
    if (this.metrics.enabled) this.metrics.requestServed(endpoint, request.method ?? 'POST', status, (performance.now() - started) / 1000);
  }
}
