import type { Registry } from 'prom-client';

/** A label set as prom-client reports it. */
type Labels = Record<string, string>;

/** One reported sample, in the shape prom-client's registry prints (`sharedLabels` after `labels`). */
interface Sample {
  labels: Labels | Record<'le', number | string>;
  sharedLabels?: Labels;
  value: number;
  metricName?: string;
}

/** What prom-client's registry reads of a metric: the samples and the fields it prints or merges by. */
interface RegistryMetric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly aggregator: 'sum';
  getForPromString(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }>;
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: Sample[] }>;
  reset(): void;
}

/**
 * Counters and histograms for the endpoints every device calls every few seconds, read through a
 * prom-client registry like any other metric. prom-client's own `inc()` and `observe()` validate and
 * hash their label object on every call, which was most of the metrics' cost in a poll's CPU profile;
 * here a series is found by the label values joined into one key, and counting
 * only adds to numbers. Label values must come from a small fixed set, as with any Prometheus label.
 */
abstract class Tally<S extends { labels: Labels }> implements RegistryMetric {
  abstract readonly type: 'counter' | 'histogram';
  readonly aggregator = 'sum';
  protected readonly series = new Map<string, S>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** The series of these label values (in the order of the label names), made on first use. */
  protected seriesOf(values: readonly string[]): S {
    const key = values.length === 1 ? values[0] : values.join('\u0000');
    let series = this.series.get(key);
    if (series === undefined) {
      const labels: Labels = {};
      this.labelNames.forEach((name, index) => (labels[name] = values[index]));
      series = this.create(labels);
      this.series.set(key, series);
    }
    return series;
  }

  protected abstract create(labels: Labels): S;
  protected abstract samples(series: S): Sample[];

  /** The samples for the text exposition, a series' labels shared by its samples (as prom-client's). */
  async getForPromString() {
    const values = [...this.series.values()].flatMap((series) => this.samples(series));
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** The samples with each one's labels complete, as prom-client's `get()` (JSON, cluster aggregation). */
  async get() {
    const metric = await this.getForPromString();
    const values = metric.values.map(({ labels, sharedLabels, ...sample }) => ({ ...sample, labels: { ...labels, ...sharedLabels } }));
    return { ...metric, values };
  }

  reset(): void {
    this.series.clear();
  }
}

/** A Prometheus counter (see {@link Tally}). */
export class TallyCounter extends Tally<{ labels: Labels; value: number }> {
  readonly type = 'counter';

  inc(...labelValues: string[]): void {
    this.seriesOf(labelValues).value += 1;
  }

  protected create(labels: Labels) {
    return { labels, value: 0 };
  }

  protected samples(series: { labels: Labels; value: number }): Sample[] {
    return [{ labels: series.labels, value: series.value }];
  }
}

interface HistogramSeries {
  labels: Labels;
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative): index i counts values in (bound i-1, bound i]. */
  buckets: Float64Array;
}

/** A Prometheus histogram (see {@link Tally}), with fixed upper bounds. */
export class TallyHistogram extends Tally<HistogramSeries> {
  readonly type = 'histogram';

  constructor(name: string, help: string, labelNames: readonly string[], private readonly upperBounds: readonly number[], registry: Registry) {
    super(name, help, labelNames, registry);
  }

  observe(value: number, ...labelValues: string[]): void {
    const series = this.seriesOf(labelValues);
    series.count += 1;
    series.sum += value;
    const bounds = this.upperBounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]) {
        series.buckets[i] += 1;
        return;
      }
    }
  }

  protected create(labels: Labels): HistogramSeries {
    return { labels, count: 0, sum: 0, buckets: new Float64Array(this.upperBounds.length) };
  }

  /** As prom-client prints a histogram: cumulative buckets, `+Inf`, then `_sum` and `_count`. */
  protected samples(series: HistogramSeries): Sample[] {
    let cumulative = 0;
    const bucket = `${this.name}_bucket`;
    const samples: Sample[] = this.upperBounds.map((le, index) => ({
      labels: { le },
      sharedLabels: series.labels,
      value: (cumulative += series.buckets[index]),
      metricName: bucket,
    }));
    samples.push(
      { labels: { le: '+Inf' }, sharedLabels: series.labels, value: series.count, metricName: bucket },
      { labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${this.name}_sum` },
      { labels: {}, sharedLabels: series.labels, value: series.count, metricName: `${this.name}_count` },
    );
    return samples;
  }
}
