import { Injectable } from '@nestjs/common';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { InjectDeviceGrantOptions } from '../device-grant.module-definition.js';
import { TallyCounter, TallyHistogram } from './tallies.js';

/** What became of a device grant. `expired` is counted when a device is told so (`expired_token`). */
export type GrantOutcome = 'requested' | 'approved' | 'denied' | 'expired' | 'redeemed';

/**
 * How the token endpoint answered a device's poll: `success` or the error code
 * (`authorization_pending`, `slow_down`, `access_denied`, `expired_token`, `invalid_grant`, …).
 * @see RFC 8628 §3.5
 */
export type PollOutcome = 'success' | string;

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

  private readonly grants = new TallyCounter(
    'device_grant_grants_total',
    'Device grants by outcome: requested, approved, denied, expired (a device was told expired_token), redeemed.',
    ['outcome'],
    this.registry,
  );

  private readonly polls = new TallyCounter(
    'device_grant_polls_total',
    'Device-code polls of the token endpoint by answer: success or the OAuth error code.',
    ['answer'],
    this.registry,
  );

  private readonly tokens = new TallyCounter(
    'device_grant_tokens_issued_total',
    'Token responses issued, by grant type (device_code, refresh_token).',
    ['grant_type'],
    this.registry,
  );

  private readonly lockouts = new TallyCounter(
    'device_grant_lockouts_total',
    'Brute-force lockouts started, by what was limited (code: user-code entry, signin: sign-in).',
    ['kind'],
    this.registry,
  );

  private readonly latency = new TallyHistogram(
    'device_grant_http_request_duration_seconds',
    'Time from the request reaching its endpoint to the last byte of the answer, by endpoint, method and status.',
    ['endpoint', 'method', 'status'],
    LATENCY_BUCKETS,
    this.registry,
  );

  constructor(@InjectDeviceGrantOptions() options: ResolvedDeviceGrantOptions) {
    this.enabled = options.metrics;
    if (this.enabled) collectDefaultMetrics({ register: this.registry });
  }

  grantOutcome(outcome: GrantOutcome): void {
    if (this.enabled) this.grants.inc(outcome);
  }

  pollAnswered(answer: PollOutcome): void {
    if (this.enabled) this.polls.inc(answer);
  }

  tokenIssued(grantType: IssuedGrantType): void {
    if (this.enabled) this.tokens.inc(grantType);
  }

  /** A lockout began; `kind` is the limited thing's purpose (`code`, `signin`), never a key or address. */
  lockout(kind: string): void {
    if (this.enabled) this.lockouts.inc(kind);
  }

  requestServed(endpoint: string, method: string, status: number, seconds: number): void {
    if (this.enabled) this.latency.observe(seconds, endpoint, method, String(status));
  }

  /** The exposition text. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
