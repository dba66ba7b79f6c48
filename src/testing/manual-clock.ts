import type { Clock } from '../clock.js';

/** A clock a spec moves by hand. */
export class ManualClock implements Clock {
  constructor(public ms = Date.UTC(2026, 11, 1)) {}

  now(): number {
    return this.ms;
  }

  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}
