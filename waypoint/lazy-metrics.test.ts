import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { LazyCounter, LazyHistogram } from './lazy-metrics.js';

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1];
const VALUES: Array<[number, string, string]> = [
  [0.001, 'openai', 'chat'],
  [0.005, 'openai', 'chat'],
  [0.0051, 'openai', 'chat'],
  [0.2, 'openai', 'chat'],
  [0.05, 'openai', 'chat'],
  [3, 'openai', 'chat'],
  [0.02, 'anthropic', 'messages'],
];

/** prom-client's own Histogram and ours, fed the same values, each in a registry of its own. */
function pair(): { theirs: Registry; ours: Registry } {
  const theirs = new Registry();
  const ours = new Registry();
  const config = { name: 'x_seconds', help: 'a histogram', labelNames: ['provider', 'api'] };
  const h = new Histogram({ ...config, buckets: BUCKETS, registers: [theirs] });
  const l = new LazyHistogram(ours, { ...config, buckets: BUCKETS });
  for (const [v, p, a] of VALUES) {
    h.observe({ provider: p, api: a }, v);
    l.observe(v, p, a);
  }
  return { theirs, ours };
}

test('a lazy histogram exposes exactly what prom-client’s Histogram does', async () => {
  const { theirs, ours } = pair();
  assert.equal(await ours.metrics(), await theirs.metrics());
});

test('workers’ lazy histograms sum like prom-client’s across a cluster', async () => {
  const a = pair();
  const b = pair();
  const theirs = AggregatorRegistry.aggregate([
    await a.theirs.getMetricsAsJSON(),
    await b.theirs.getMetricsAsJSON(),
  ] as never);
  const ours = AggregatorRegistry.aggregate([
    await a.ours.getMetricsAsJSON(),
    await b.ours.getMetricsAsJSON(),
  ] as never);
  assert.equal(await ours.metrics(), await theirs.metrics());
  assert.match(await ours.metrics(), /x_seconds_count\{provider="openai",api="chat"\} 12/);
});

test('a non-finite value is dropped, and reset forgets every series', async () => {
  const r = new Registry();
  const l = new LazyHistogram(r, { name: 'y_seconds', help: 'h', labelNames: ['phase'], buckets: BUCKETS });
  l.observe(Number.NaN, 'request');
  l.observe(Number.POSITIVE_INFINITY, 'request');
  l.observe(0.01, 'request');
  assert.match(await r.metrics(), /y_seconds_count\{phase="request"\} 1\n/);
  r.resetMetrics();
  assert.doesNotMatch(await r.metrics(), /y_seconds_count/);
});

test('a lazy counter exposes what prom-client’s Counter does', async () => {
  const theirs = new Registry();
  const ours = new Registry();
  const config = { name: 'z_total', help: 'a counter', labelNames: ['provider', 'api', 'status'] };
  const c = new Counter({ ...config, registers: [theirs] });
  const l = new LazyCounter(ours, config);
  for (const [p, a, s] of [
    ['openai', 'chat', 200],
    ['openai', 'chat', 200],
    ['openai', 'chat', 403],
    ['mcp', 'tools', 200],
  ] as const) {
    c.inc({ provider: p, api: a, status: String(s) });
    l.inc(1, p, a, s);
  }
  assert.equal(await ours.metrics(), await theirs.metrics());
});
