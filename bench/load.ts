import { createRequire } from 'node:module';

// autocannon is CommonJS without type declarations.
const autocannon = createRequire(import.meta.url)('autocannon') as (options: object) => Promise<AutocannonResult>;

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
  /** The body of the next request (called once per request, so each can differ). */
  body?: () => string;
  classify(status: number, body: string): Verdict;
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

let hooks: { before(): Promise<unknown>; after(): Promise<unknown> } | undefined;

/** Work to do right before and after each measured window (CPU profiling of the server). */
export function setMeasureHooks(next: typeof hooks): void {
  hooks = next;
}

/** Warms up, then measures, with autocannon; the same body generator runs through both. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  if (spec.warmup > 0) await fire(spec, spec.warmup);
  await hooks?.before();
  try {
    return await fire(spec, spec.duration);
  } finally {
    await hooks?.after();
  }
}

async function fire(spec: LoadSpec, seconds: number): Promise<LoadResult> {
  const counts = { ok: 0, expected: 0, unexpected: 0 };
  const samples: string[] = [];
  const request = {
    method: spec.method,
    path: spec.path,
    headers: spec.headers ?? {},
    ...(spec.body ? { body: spec.body(), setupRequest: (req: object) => ({ ...req, body: spec.body!() }) } : {}),
    onResponse: (status: number, body: string | undefined) => {
      const verdict = spec.classify(status, body ?? '');
      counts[verdict]++;
      if (verdict === 'unexpected' && samples.length < 3) samples.push(`${status} ${(body ?? '').slice(0, 160)}`);
    },
  };
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: seconds,
    timeout: 10,
    requests: [request],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    ok: counts.ok,
    expected: counts.expected,
    errors: counts.unexpected + result.errors,
    timeouts: result.timeouts,
    samples,
  };
}

/** Percentile (nearest rank) of a list of numbers. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
