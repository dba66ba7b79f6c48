/** A clock whose sleeps return at once and move virtual time forward, so polling tests run fast. */
export interface VirtualClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Every sleep requested, in ms. */
  readonly sleeps: number[];
  /** Runs after each sleep has moved the time forward. */
  onSleep?: (ms: number) => void | Promise<void>;
  advance(ms: number): void;
}

export function virtualClock(start = Date.UTC(2030, 0, 1)): VirtualClock {
  let time = start;
  const clock: VirtualClock = {
    now: () => time,
    sleeps: [],
    async sleep(ms, signal) {
      signal?.throwIfAborted();
      clock.sleeps.push(ms);
      time += ms;
      await clock.onSleep?.(ms);
      await new Promise((resolve) => setImmediate(resolve));
      signal?.throwIfAborted();
    },
    advance(ms) {
      time += ms;
    },
  };
  return clock;
}
