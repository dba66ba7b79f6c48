import { Injectable } from '@nestjs/common';
import { InjectClock, type Clock } from '../clock.js';
import { DeviceGrantEvent } from '../events/device-grant-events.js';
import { DeviceGrantEvents } from '../events/device-grant-events.service.js';
import type { ResolvedDeviceGrantOptions } from '../device-grant.options.js';
import { InjectDeviceGrantOptions } from '../device-grant.module-definition.js';
import { InjectDeviceGrantStore, type DeviceGrantStore } from '../persistence/device-grant-store.js';
import type { GrantRecord } from '../persistence/records.js';
import { formatUserCode, normalizeUserCode, type UserCodeFormat } from '../user-code/user-code.js';

/** The user code matches no grant that is still waiting for a decision (unknown, expired, used or decided). */
export class UnknownUserCodeError extends Error {
  constructor() {
    super('no pending request has this code');
    this.name = 'UnknownUserCodeError';
  }
}

/**
 * The user's side of a device grant: look a pending request up by its user code, approve it for a
 * subject, or deny it. The activation page calls this; so can an application's own UI or tests.
 * @see RFC 8628 §3.3
 */
@Injectable()
export class DeviceGrantService {
  private readonly format: UserCodeFormat;

  constructor(
    @InjectDeviceGrantStore() private readonly store: DeviceGrantStore,
    @InjectDeviceGrantOptions() options: ResolvedDeviceGrantOptions,
    @InjectClock() private readonly clock: Clock,
    private readonly events: DeviceGrantEvents,
  ) {
    this.format = { alphabet: options.userCodeAlphabet, length: options.userCodeLength, mask: options.userCodeMask };
  }

  /** The code as typed (any case, with or without dashes and spaces) in its stored form, or null. */
  normalize(userCode: string): string | null {
    return normalizeUserCode(userCode, this.format);
  }

  /** The code for display (`WDJB-MJHT`). */
  display(normalizedUserCode: string): string {
    return formatUserCode(normalizedUserCode, this.format);
  }

  /** The pending, unexpired grant with this user code, or null. */
  async findPending(userCode: string): Promise<GrantRecord | null> {
    const code = this.normalize(userCode);
    if (!code) return null;
    return this.store.grants.findPendingByUserCode(code, this.clock.now());
  }

  /** Approves the pending grant with this user code for `subject`. @throws UnknownUserCodeError */
  async approve(userCode: string, subject: string): Promise<GrantRecord> {
    if (typeof subject !== 'string' || subject.length === 0 || subject.length > 255) {
      throw new Error('subject must be a non-empty string of at most 255 characters');
    }
    return this.decide(userCode, { status: 'approved', subject });
  }

  /** Denies the pending grant with this user code; the device's next poll gets `access_denied`. @throws UnknownUserCodeError */
  async deny(userCode: string): Promise<GrantRecord> {
    return this.decide(userCode, { status: 'denied' });
  }

  /** Decides once: a conditional update, so two concurrent decisions cannot both win. */
  private async decide(
    userCode: string,
    decision: { status: 'approved'; subject: string } | { status: 'denied' },
  ): Promise<GrantRecord> {
    const code = this.normalize(userCode);
    if (!code) throw new UnknownUserCodeError();
    const grant = await this.store.grants.decide(code, decision, this.clock.now());
    if (!grant) throw new UnknownUserCodeError();
    this.events.emit(decision.status === 'approved' ? DeviceGrantEvent.GrantApproved : DeviceGrantEvent.GrantDenied, {
      grantId: grant.id,
      clientId: grant.clientId,
      subject: grant.subject ?? undefined,
    });
    return grant;
  }
}
