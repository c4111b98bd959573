// Per-request Prometheus series kept as plain numbers found through nested maps of their label
// values, handed to prom-client only when collected (a scrape, or the primary summing its workers).
// prom-client's own inc() and observe() validate the labels and build and hash a string of them on
// every call: ~2 % of a request's CPU for the counters and another ~2 % for the three histograms.
import { Counter, type Metric, type Registry } from 'prom-client';

/** Series by their first two label values, then any third one (absent labels are ''). */
class SeriesTree<S> {
  private readonly root = new Map<string, Map<string, Map<string | number, S>>>();
  readonly all: S[] = [];

  constructor(
    private readonly labelNames: readonly string[],
    private readonly make: (labels: Record<string, string>) => S,
  ) {}

  get(a: string, b: string, c: string | number): S {
    let second = this.root.get(a);
    if (second === undefined) {
      second = new Map();
      this.root.set(a, second);
    }
    let third = second.get(b);
    if (third === undefined) {
      third = new Map();
      second.set(b, third);
    }
    let s = third.get(c);
    if (s === undefined) {
      const values = [a, b, String(c)];
      const labels: Record<string, string> = {};
      this.labelNames.forEach((name, i) => {
        labels[name] = values[i]!;
      });
      s = this.make(labels);
      third.set(c, s);
      this.all.push(s);
    }
    return s;
  }

  clear(): void {
    this.root.clear();
    this.all.length = 0;
  }
}

interface CounterSeries {
  labels: Record<string, string>;
  value: number;
}

/** A Prometheus counter of at most three labels whose series are plain numbers until collected. */
export class LazyCounter {
  private readonly series: SeriesTree<CounterSeries>;

  constructor(registry: Registry, config: { name: string; help: string; labelNames: readonly string[] }) {
    const series = new SeriesTree<CounterSeries>(config.labelNames, (labels) => ({ labels, value: 0 }));
    this.series = series;
    new Counter({
      name: config.name,
      help: config.help,
      labelNames: config.labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const s of series.all) this.inc(s.labels, s.value);
      },
    });
  }

  /** Adds `n` to the series of these label values, given in the order of labelNames. */
  inc(n: number, a: string, b = '', c: string | number = ''): void {
    this.series.get(a, b, c).value += n;
  }
}

interface HistogramSeries {
  labels: Record<string, string>;
  /** Observations per bucket (not cumulative; the last slot is above every bound). */
  counts: Float64Array;
  sum: number;
  count: number;
}

/** A value prom-client exposes (its MetricValue, which its typings do not export). */
interface Sample {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

/**
 * A Prometheus histogram of at most two labels, registered as a metric of its own: observe() adds
 * to plain arrays and get() writes the same samples prom-client's Histogram would (cumulative
 * `_bucket` series with `le`, `+Inf`, `_sum`, `_count`), summed across workers by the aggregator.
 */
export class LazyHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  private readonly bounds: readonly number[];
  private readonly series: SeriesTree<HistogramSeries>;

  constructor(
    registry: Registry,
    config: { name: string; help: string; labelNames: readonly string[]; buckets: readonly number[] },
  ) {
    this.name = config.name;
    this.help = config.help;
    this.bounds = [...config.buckets].sort((x, y) => x - y);
    const slots = this.bounds.length + 1;
    this.series = new SeriesTree(config.labelNames, (labels) => ({
      labels,
      counts: new Float64Array(slots),
      sum: 0,
      count: 0,
    }));
    registry.registerMetric(this as unknown as Metric);
  }

  /** Records one value (a non-finite one is dropped) in the series of these label values. */
  observe(value: number, a: string, b = ''): void {
    if (!Number.isFinite(value)) return;
    const s = this.series.get(a, b, '');
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  /** What prom-client's registries read: the samples of every series. */
  async get(): Promise<{ name: string; help: string; type: string; values: Sample[]; aggregator: string }> {
    const values: Sample[] = [];
    for (const s of this.series.all) {
      let acc = 0;
      this.bounds.forEach((le, i) => {
        acc += s.counts[i]!;
        values.push({ labels: { le, ...s.labels }, value: acc, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: `${this.name}_bucket` });
      values.push({ labels: { ...s.labels }, value: s.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...s.labels }, value: s.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** Forgets every series (Registry.resetMetrics). */
  reset(): void {
    this.series.clear();
  }
}
