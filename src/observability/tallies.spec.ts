import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Counter, Histogram, Registry } from 'prom-client';
import { TallyCounter, TallyHistogram } from './tallies.js';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const OBSERVATIONS: [number, string, string, string][] = [
  [0.003, 'token', 'POST', '400'],
  [0.005, 'token', 'POST', '400'],
  [0.0051, 'token', 'POST', '400'],
  [0.7, 'token', 'POST', '200'],
  [42, 'device_authorization', 'POST', '200'],
  [0.02, 'token', 'POST', '401'],
  [0.02, 'metadata', 'GET', '200'],
];
const ANSWERS = ['authorization_pending', 'authorization_pending', 'slow_down', 'success', 'invalid_grant', 'authorization_pending'];

/** The same observations through prom-client's own metrics and through the tallies. */
function registries() {
  const own = new Registry();
  const tallied = new Registry();
  const histogram = new Histogram({ name: 'h_seconds', help: 'latency', labelNames: ['endpoint', 'method', 'status'], buckets: BUCKETS, registers: [own] });
  const counter = new Counter({ name: 'polls_total', help: 'polls', labelNames: ['answer'], registers: [own] });
  const tallyHistogram = new TallyHistogram('h_seconds', 'latency', ['endpoint', 'method', 'status'], BUCKETS, tallied);
  const tallyCounter = new TallyCounter('polls_total', 'polls', ['answer'], tallied);
  for (const [value, endpoint, method, status] of OBSERVATIONS) {
    histogram.observe({ endpoint, method, status }, value);
    tallyHistogram.observe(value, endpoint, method, status);
  }
  for (const answer of ANSWERS) {
    counter.inc({ answer });
    tallyCounter.inc(answer);
  }
  return { own, tallied };
}

describe('tallies', () => {
  test('print exactly what prom-client prints for the same observations', async () => {
    const { own, tallied } = registries();
    const text = await tallied.metrics();
    assert.equal(text, await own.metrics());
    assert.match(text, /^polls_total\{answer="authorization_pending"\} 3$/m);
    assert.match(text, /^h_seconds_bucket\{le="0.005",endpoint="token",method="POST",status="400"\} 2$/m);
    assert.match(text, /^h_seconds_bucket\{le="0.01",endpoint="token",method="POST",status="400"\} 3$/m);
    assert.match(text, /^h_seconds_bucket\{le="\+Inf",endpoint="device_authorization",method="POST",status="200"\} 1$/m);
  });

  test('give the same JSON as prom-client (complete labels on every sample) and reset like it', async () => {
    const { own, tallied } = registries();
    const shape = (metrics: Awaited<ReturnType<Registry['getMetricsAsJSON']>>) =>
      metrics.map(({ name, help, type, aggregator, values }) => ({
        name,
        help,
        type,
        aggregator,
        values: values.map((sample) => ({ labels: sample.labels, value: sample.value, metricName: (sample as { metricName?: string }).metricName })),
      }));
    assert.deepEqual(shape(await tallied.getMetricsAsJSON()), shape(await own.getMetricsAsJSON()));
    own.resetMetrics();
    tallied.resetMetrics();
    assert.equal(await tallied.metrics(), await own.metrics());
  });
});
