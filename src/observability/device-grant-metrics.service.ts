import { Inject, Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { DEVICE_GRANT_OPTIONS } from '../device-grant.tokens.js';

/** What became of a device grant. `expired` is counted when a device is told so (`expired_token`). */
export type GrantOutcome = 'requested' | 'approved' | 'denied' | 'expired' | 'redeemed';

/**
 * How the token endpoint answered a device's poll: `success` or the error code
 * (`authorization_pending`, `slow_down`, `access_denied`, `expired_token`, `invalid_grant`, …).
 * @see RFC 8628 §3.5
 */
export type PollAnswer = 'success' | string;

/** Grant types as metric labels (the device-code URN shortened). */
export type IssuedGrantType = 'device_code' | 'refresh_token';

/** Latency buckets in seconds: scrypt-bound client authentication sits around 50 ms. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The module's Prometheus metrics, in a registry of its own (never prom-client's global one), so two
 * applications in one process do not clash. Every label takes values from a small fixed set.
 * With the `metrics` option off every method is a no-op.
 */
@Injectable()
export class DeviceGrantMetrics {
  /** The registry `GET /metrics` serves; add an application's own metrics to it if you like. */
  readonly registry = new Registry();
  readonly enabled: boolean;

  private readonly grants = new Counter({
    name: 'device_grant_grants_total',
    help: 'Device grants by outcome: requested, approved, denied, expired (a device was told expired_token), redeemed.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly polls = new Counter({
    name: 'device_grant_polls_total',
    help: 'Device-code polls of the token endpoint by answer: success or the OAuth error code.',
    labelNames: ['answer'] as const,
    registers: [this.registry],
  });

  private readonly tokens = new Counter({
    name: 'device_grant_tokens_issued_total',
    help: 'Token responses issued, by grant type (device_code, refresh_token).',
    labelNames: ['grant_type'] as const,
    registers: [this.registry],
  });

  private readonly lockouts = new Counter({
    name: 'device_grant_lockouts_total',
    help: 'Brute-force lockouts started, by what was limited (code: user-code entry, signin: sign-in).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  private readonly latency = new Histogram({
    name: 'device_grant_http_request_duration_seconds',
    help: 'Time from the request reaching its endpoint to the last byte of the answer, by endpoint, method and status.',
    labelNames: ['endpoint', 'method', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  constructor(@Inject(DEVICE_GRANT_OPTIONS) options: ResolvedDeviceGrantOptions) {
    this.enabled = options.metrics;
    if (this.enabled) collectDefaultMetrics({ register: this.registry });
  }

  grantOutcome(outcome: GrantOutcome): void {
    if (this.enabled) this.grants.inc({ outcome });
  }

  pollAnswered(answer: PollAnswer): void {
    if (this.enabled) this.polls.inc({ answer });
  }

  tokenIssued(grantType: IssuedGrantType): void {
    if (this.enabled) this.tokens.inc({ grant_type: grantType });
  }

  /** A lockout began; `kind` is the limited thing's purpose (`code`, `signin`), never a key or address. */
  lockout(kind: string): void {
    if (this.enabled) this.lockouts.inc({ kind });
  }

  requestServed(endpoint: string, method: string, status: number, seconds: number): void {
    if (this.enabled) this.latency.observe({ endpoint, method, status: String(status) }, seconds);
  }

  /** The exposition text. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
