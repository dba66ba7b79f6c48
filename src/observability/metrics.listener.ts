import { Injectable } from '@nestjs/common';
import { DeviceGrantEvent } from '../events/device-grant-events.js';
import { DeviceGrantEvents, type DeviceGrantEventOf, type DeviceGrantObserver } from '../events/device-grant-events.service.js';
import { DeviceGrantMetrics } from './device-grant-metrics.service.js';

/**
 * Counts what happens from the module's events, in one place: grants by outcome, tokens by grant
 * type, lockouts, and how polls were answered. Latency is timed where answers are written
 * (`OAuthResponder`, `MetricsInterceptor`).
 */
@Injectable()
export class MetricsListener implements DeviceGrantObserver {
  constructor(
    events: DeviceGrantEvents,
    private readonly metrics: DeviceGrantMetrics,
  ) {
    if (metrics.enabled) events.observe(this);
  }

  event({ name, payload }: DeviceGrantEventOf): void {
    switch (name) {
      case DeviceGrantEvent.GrantRequested:
        return this.metrics.grantOutcome('requested');
      case DeviceGrantEvent.GrantApproved:
        return this.metrics.grantOutcome('approved');
      case DeviceGrantEvent.GrantDenied:
        return this.metrics.grantOutcome('denied');
      case DeviceGrantEvent.GrantExpired:
        return this.metrics.grantOutcome('expired');
      case DeviceGrantEvent.TokenIssued:
        this.metrics.grantOutcome('redeemed');
        return this.metrics.tokenIssued('device_code');
      case DeviceGrantEvent.TokenRefreshed:
        return this.metrics.tokenIssued('refresh_token');
      case DeviceGrantEvent.Lockout:
        // `code:ip` → `code`: what was limited, never the key or the address.
        return this.metrics.lockout(payload.scope.split(':')[0]);
    }
  }

  pollAnswered(answer: string): void {
    this.metrics.pollAnswered(answer);
  }
}
