import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DEVICE_CODE_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE } from '../constants.js';
import { DeviceGrantMetrics, type IssuedGrantType } from '../observability/device-grant-metrics.service.js';
import { OAuthError } from '../oauth-errors/oauth-error.js';
import { replyOAuthJson } from '../oauth-errors/oauth-exception.filter.js';
import { FormParams, type OAuthHttpRequest } from './form-params.js';

/** The OAuth endpoints that answer through {@link OAuthResponder}, as metric labels. */
export type RespondingEndpoint = 'token' | 'device_authorization';

/**
 * Answers the device authorization and token endpoints: the work's result as JSON with status 200,
 * or the `OAuthError` it throws as its RFC 6749 §5.2 body and status, both with `no-store`; then
 * records the answer in the metrics.
 *
 * An OAuth error here is an expected answer, not a failure: `authorization_pending` is most of what
 * the token endpoint ever says. Answering it directly, instead of letting it travel through Nest's
 * exception handling (and an interceptor's observable) to the exception filter, was the largest
 * single saving on the poll path; taking it as a resolved value instead of a rejection was the next
 * (see `DeviceCodeGrant`). Anything else the work throws is rethrown, for the exception filter to log
 * and answer as `server_error`.
 * @see RFC 6749 §5.1–5.2
 */
@Injectable()
export class OAuthResponder {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: DeviceGrantMetrics,
  ) {}

  /**
   * @param work the endpoint's work: resolves with the success body, or with an `OAuthError` to answer
   *   (the answers a polling device gets again and again, see `DeviceCodeGrant`), or throws one.
   */
  async respond(
    endpoint: RespondingEndpoint,
    request: OAuthHttpRequest & { method?: string },
    response: unknown,
    work: () => Promise<object>,
  ): Promise<void> {
    const started = this.metrics.enabled ? performance.now() : 0;
    let body: object;
    try {
      body = await work();
    } catch (error) {
      if (!(error instanceof OAuthError)) {
        if (this.metrics.enabled) this.count(endpoint, request, 'server_error', 500, started);
        throw error;
      }
      body = error;
    }
    if (body instanceof OAuthError) {
      replyOAuthJson(this.adapterHost.httpAdapter, response, body.status, body.json, body.headers);
      if (this.metrics.enabled) this.count(endpoint, request, body.error, body.status, started);
      return;
    }
    replyOAuthJson(this.adapterHost.httpAdapter, response, 200, body);
    if (this.metrics.enabled) this.count(endpoint, request, 'success', 200, started);
  }

  /** Latency (to the answer handed to the socket) and what was answered. */
  private count(endpoint: RespondingEndpoint, request: { method?: string } & OAuthHttpRequest, answer: string, status: number, started: number): void {
    this.metrics.requestServed(endpoint, request.method ?? 'POST', status, (performance.now() - started) / 1000);
    if (endpoint === 'device_authorization') {
      if (answer === 'success') this.metrics.grantOutcome('requested');
      return;
    }
    const grantType = readGrantType(request);
    if (grantType === 'device_code') {
      this.metrics.pollAnswered(answer);
      if (answer === 'success') this.metrics.grantOutcome('redeemed');
      if (answer === 'expired_token') this.metrics.grantOutcome('expired');
    }
    if (answer === 'success' && grantType) this.metrics.tokenIssued(grantType);
  }
}

function readGrantType(request: OAuthHttpRequest): IssuedGrantType | undefined {
  let grantType: string | undefined;
  try {
    grantType = FormParams.from(request).get('grant_type');
  } catch {
    return undefined;
  }
  if (grantType === DEVICE_CODE_GRANT_TYPE) return 'device_code';
  if (grantType === REFRESH_TOKEN_GRANT_TYPE) return 'refresh_token';
  return undefined;
}
