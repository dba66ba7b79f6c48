import { TemporarilyUnavailable } from '../oauth-errors/oauth-error.js';
import type { SecretCheckLimits } from './limits.options.js';

/**
 * Runs at most `concurrent` tasks at once and lets at most `queue` more wait; a task beyond that is
 * refused at once with 503 `temporarily_unavailable` and `Retry-After: 1`. For scrypt checks of
 * presented client secrets: a flood of requests carrying wrong secrets would otherwise queue
 * unbounded work on libuv's thread pool (which file and DNS work share) and hold every request behind it.
 */
export class BoundedWork {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly limits: SecretCheckLimits,
    private readonly refusal = 'too many client authentications at once; retry shortly',
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.limits.concurrent) this.running++;
    else if (this.waiting.length < this.limits.queue) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else throw new TemporarilyUnavailable(1, this.refusal);
    try {
      return await task();
    } finally {
      // The slot passes to the next waiting task, or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
