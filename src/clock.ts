/** Where the module reads the time from; tests inject their own to move time without sleeping. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const CLOCK = Symbol('DEVICE_GRANT_CLOCK');

export const systemClock: Clock = { now: () => Date.now() };
