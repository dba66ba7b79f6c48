import { Inject } from '@nestjs/common';

/** Where the module reads the time from; tests inject their own to move time without sleeping. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const CLOCK = Symbol('DEVICE_GRANT_CLOCK');

export const systemClock: Clock = { now: () => Date.now() };

/** Injects the module's {@link Clock}. */
export const InjectClock = (): ParameterDecorator & PropertyDecorator => Inject(CLOCK);
