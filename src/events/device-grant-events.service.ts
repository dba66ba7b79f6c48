import { Injectable, Logger, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { DeviceGrantEventMap } from './device-grant-events.js';

/**
 * Emits the module's typed events on the application's `EventEmitter2` (import
 * `EventEmitterModule.forRoot()` in the application to receive them; without it, emitting is a no-op).
 * A failing listener never breaks the OAuth flow.
 */
@Injectable()
export class DeviceGrantEvents {
  private readonly logger = new Logger('DeviceGrantEvents');

  constructor(@Optional() private readonly emitter?: EventEmitter2) {}

  emit<K extends keyof DeviceGrantEventMap>(name: K, payload: DeviceGrantEventMap[K]): void {
    if (!this.emitter) return;
    try {
      this.emitter.emit(name, { ...payload, at: new Date().toISOString() });
    } catch (error) {
      this.logger.warn(`listener of ${name} failed: ${(error as Error).message}`);
    }
  }
}
