import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';

// autocannon is CommonJS without type declarations.
const autocannon = createRequire(import.meta.url)('autocannon') as (options: object) => AutocannonRun;

/** What autocannon returns without a callback: its run's events, and a promise of the result. */
interface AutocannonRun extends PromiseLike<AutocannonResult> {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, responseTime: number) => void): void;
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
}

/** How one answer counts: a success, an answer the workload expects (e.g. `authorization_pending`), or an error. */
export type Verdict = 'ok' | 'expected' | 'unexpected';

export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  /**
   * The body of the next request (called once per request, so each can differ), with autocannon's
   * context of the connection (one request in flight per connection: its answer sees the same context).
   */
  body?: (context: Record<string, unknown>) => string;
  classify(status: number, body: string, context: Record<string, unknown>): Verdict;
  /** Sees every answer with the context its request was built with (e.g. to keep a refresh token chain going). */
  answered?(status: number, body: string, context: Record<string, unknown>): void;
  /** Before each stretch of load (warm-up and every slice), outside the measured CPU time. */
  beforeRun?(): Promise<void>;
  connections: number;
  /** Seconds. */
  warmup: number;
  /** Seconds. */
  duration: number;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  total: number;
  ok: number;
  expected: number;
  /** Unexpected statuses or bodies, socket errors and timeouts. */
  errors: number;
  timeouts: number;
  /** A few unexpected answers, to say what went wrong. */
  samples: string[];
}

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/**
 * Work around the measured window of one server: `before`/`after` once around all of it (CPU
 * profiling), `sliceStart`/`sliceEnd` around each stretch of load it gets (CPU accounting).
 */
export interface MeasureHooks {
  before?(): Promise<unknown>;
  after?(): Promise<unknown>;
  sliceStart?(): void;
  sliceEnd?(): void;
}

/** The hooks of the measurement the current async context belongs to (see {@link withMeasureHooks}). */
const hooksContext = new AsyncLocalStorage<MeasureHooks>();

/** Runs `body` with `hooks` applying to every `runLoad` it makes, also while other measurements run at once. */
export function withMeasureHooks<T>(hooks: MeasureHooks, body: () => Promise<T>): Promise<T> {
  return hooksContext.run(hooks, body);
}

/**
 * Servers measured in turns instead of one after the other: every `runLoad` made while the group is
 * open waits until each member has either called `runLoad` or left; then all are warmed up, and the
 * measured time of each is cut into slices that take turns (A B C, C B A, A B C, …), so a slow minute of
 * this shared VM falls on every member alike and the ratios between them hold still.
 */
class Interleaving {
  private readonly members: { spec: LoadSpec; hooks?: MeasureHooks; resolve(result: LoadResult): void; reject(error: unknown): void }[] = [];
  private started = false;

  constructor(
    private expected: number,
    private readonly sliceSeconds: number,
  ) {}

  join(spec: LoadSpec, hooks: MeasureHooks | undefined): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      this.members.push({ spec, hooks, resolve, reject });
      this.startWhenComplete();
    });
  }

  /** A member that will not call `runLoad` (not selected, skipped, failed, or done). */
  leave(): void {
    this.expected--;
    this.startWhenComplete();
  }

  get open(): boolean {
    return !this.started;
  }

  private startWhenComplete(): void {
    if (this.started || this.members.length < this.expected || this.members.length === 0) return;
    this.started = true;
    this.run().catch((error: unknown) => this.members.forEach((member) => member.reject(error)));
  }

  private async run(): Promise<void> {
    for (const { spec } of this.members) {
      if (spec.warmup === 0) continue;
      await spec.beforeRun?.();
      await fire(spec, spec.warmup);
    }
    for (const { hooks } of this.members) await hooks?.before?.();
    const duration = Math.max(...this.members.map((member) => member.spec.duration));
    const slices = Math.max(1, Math.round(duration / this.sliceSeconds));
    const parts = this.members.map(() => [] as Fired[]);
    for (let slice = 0; slice < slices; slice++) {
      const order = this.members.map((_, index) => index);
      if (slice % 2 === 1) order.reverse();
      for (const index of order) {
        const { spec, hooks } = this.members[index];
        await spec.beforeRun?.();
        hooks?.sliceStart?.();
        parts[index].push(await fire(spec, spec.duration / slices));
        hooks?.sliceEnd?.();
      }
    }
    for (const { hooks } of this.members) await hooks?.after?.();
    this.members.forEach((member, index) => member.resolve(merge(parts[index], member.spec.duration)));
  }
}

let interleaving: Interleaving | undefined;

/**
 * Runs the measurements of `members` at once, their load in turns (see {@link Interleaving}). Each
 * member makes at most one `runLoad` call; one made after the group has run is measured on its own.
 */
export async function interleaved(members: (() => Promise<unknown>)[], sliceSeconds = 2): Promise<void> {
  const group = new Interleaving(members.length, sliceSeconds);
  interleaving = group;
  try {
    await Promise.all(members.map((member) => member().finally(() => group.leave())));
  } finally {
    interleaving = undefined;
  }
}

/** Slices of one server's load as one result: totals added up, percentiles over every answer of every slice. */
function merge(parts: Fired[], seconds: number): LoadResult {
  const sum = (pick: (part: LoadResult) => number) => parts.reduce((total, part) => total + pick(part.result), 0);
  const total = sum((part) => part.total);
  const latencies = parts.flatMap((part) => part.latencies);
  return {
    rps: total / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    total,
    ok: sum((part) => part.ok),
    expected: sum((part) => part.expected),
    errors: sum((part) => part.errors),
    timeouts: sum((part) => part.timeouts),
    samples: parts.flatMap((part) => part.result.samples).slice(0, 3),
  };
}

/**
 * Warms up, then measures, with autocannon; the same body generator runs through both. Inside an open
 * {@link interleaved} group, waits for the group and takes its turns.
 */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const hooks = hooksContext.getStore();
  if (interleaving?.open) return interleaving.join(spec, hooks);
  if (spec.warmup > 0) {
    await spec.beforeRun?.();
    await fire(spec, spec.warmup);
  }
  await spec.beforeRun?.();
  await hooks?.before?.();
  try {
    hooks?.sliceStart?.();
    const { result } = await fire(spec, spec.duration);
    hooks?.sliceEnd?.();
    return result;
  } finally {
    await hooks?.after?.();
  }
}

/** One stretch of load: its result, and every answer's latency in ms (to pool the percentiles of several). */
interface Fired {
  result: LoadResult;
  latencies: number[];
}

async function fire(spec: LoadSpec, seconds: number): Promise<Fired> {
  const counts = { ok: 0, expected: 0, unexpected: 0 };
  const samples: string[] = [];
  const latencies: number[] = [];
  const request = {
    method: spec.method,
    path: spec.path,
    headers: spec.headers ?? {},
    // autocannon builds each connection's first request through setupRequest too.
    ...(spec.body ? { setupRequest: (req: object, context: Record<string, unknown>) => ({ ...req, body: spec.body!(context) }) } : {}),
    onResponse: (status: number, body: string | undefined, context: Record<string, unknown>) => {
      spec.answered?.(status, body ?? '', context);
      const verdict = spec.classify(status, body ?? '', context);
      counts[verdict]++;
      if (verdict === 'unexpected' && samples.length < 3) samples.push(`${status} ${(body ?? '').slice(0, 160)}`);
    },
  };
  const run = autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: seconds,
    timeout: 10,
    requests: [request],
  });
  run.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
  const result = await run;
  return {
    result: {
      rps: result.requests.average,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      total: result.requests.total,
      ok: counts.ok,
      expected: counts.expected,
      errors: counts.unexpected + result.errors,
      timeouts: result.timeouts,
      samples,
    },
    latencies,
  };
}

/** Percentile (nearest rank) of a list of numbers. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
