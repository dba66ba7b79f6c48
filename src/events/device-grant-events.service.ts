import { Injectable, Logger, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { DeviceGrantEventMap } from './device-grant-events.js';

/** One of the module's events, by name, with its payload. */
export type DeviceGrantEventOf = { [K in keyof DeviceGrantEventMap]: { name: K; payload: DeviceGrantEventMap[K] } }[keyof DeviceGrantEventMap];

/**
 * A listener inside the module (the metrics): told every event whether or not the application
 * listens, and how each poll was answered, which the application is not told (a device polls every
 * few seconds; an event per poll would flood its listeners).
 */
export interface DeviceGrantObserver {
  event(event: DeviceGrantEventOf): void;
  /** `success` or the OAuth error code a device-code poll was answered with. */
  pollAnswered(answer: string): void;
}

/**
 * Emits the module's typed events on the application's `EventEmitter2` (import
 * `EventEmitterModule.forRoot()` in the application to receive them; without it, the application
 * hears nothing) and to the module's own observers. A failing listener never breaks the OAuth flow.
 */
@Injectable()
export class DeviceGrantEvents {
  private readonly logger = new Logger('DeviceGrantEvents');
  private readonly observers: DeviceGrantObserver[] = [];

  constructor(@Optional() private readonly emitter?: EventEmitter2) {}

  /** Adds a module-internal observer. */
  observe(observer: DeviceGrantObserver): void {
    this.observers.push(observer);
  }

  emit<K extends keyof DeviceGrantEventMap>(name: K, payload: DeviceGrantEventMap[K]): void {
    for (const observer of this.observers) observer.event({ name, payload } as DeviceGrantEventOf);
    if (!this.emitter) return;
    try {
      this.emitter.emit(name, { ...payload, at: new Date().toISOString() });
    } catch (error) {
      this.logger.warn(`listener of ${name} failed: ${(error as Error).message}`);
    }
  }

  /** How a device-code poll was answered: to the module's observers only. */
  pollAnswered(answer: string): void {
    for (let i = 0; i < this.observers.length; i++) this.observers[i].pollAnswered(answer);
  }
}
