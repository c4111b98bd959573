// Checks the metrics every component exports against Prometheus naming conventions (the rules of
// `promtool check metrics`, written out here, plus promtool itself where installed), and that the
// alerts and the Grafana dashboard in deploy/monitoring refer only to metrics that exist.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { type RunningController, startController } from '../../controller/main.js';
import { nodeAgentMetrics } from '../../controller/node-agent-metrics.js';
import { testControllerConfig } from '../../controller/testing.js';
import { K8sClient } from '../../kube/index.js';
import { createMetrics } from '../../waypoint/metrics.js';
import { type KubeApiServer, startKubeApiServer } from '../kube-api-server/index.js';

const root = new URL('../../', import.meta.url).pathname;
const PROMTOOL = '/usr/bin/promtool';

interface Family {
  name: string;
  type: string;
  help: string;
  labels: Set<string>;
  component: string;
}

/** Parses the text exposition format into metric families (HELP, TYPE and the label names seen). */
function families(text: string, component: string): Family[] {
  const out = new Map<string, Family>();
  const family = (name: string) => {
    let f = out.get(name);
    if (!f) {
      f = { name, type: '', help: '', labels: new Set(), component };
      out.set(name, f);
    }
    return f;
  };
  for (const line of text.split('\n')) {
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const f = family(meta[2]);
      if (meta[1] === 'HELP') f.help = meta[3];
      else f.type = meta[3];
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? /.exec(line);
    if (!sample) continue;
    const base = [...out.keys()].find(
      (n) => sample[1] === n || ['_bucket', '_sum', '_count'].some((s) => sample[1] === n + s),
    );
    if (!base) continue;
    for (const m of (sample[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g))
      out.get(base)!.labels.add(m[1]);
  }
  return [...out.values()];
}

/** Problems with one family, per Prometheus' naming practices. */
function lint(f: Family): string[] {
  const p: string[] = [];
  const ours = f.name.startsWith('semamesh_');
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(f.name)) p.push('invalid name (colons are for recording rules)');
  if (ours && f.name !== f.name.toLowerCase()) p.push('not snake_case');
  if (!f.help.trim()) p.push('no HELP text');
  if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(f.type)) p.push(`bad TYPE ${f.type}`);
  if (f.type === 'counter' && !f.name.endsWith('_total')) p.push('counter without _total');
  if (f.type !== 'counter' && f.name.endsWith('_total')) p.push('_total on a non-counter');
  if (f.type !== 'histogram' && f.type !== 'summary' && /_(bucket|sum|count)$/.test(f.name))
    p.push('reserved suffix on a non-histogram');
  if (
    /_(milliseconds|millis|ms|microseconds|minutes|hours|days|kilobytes|megabytes|percent)(_|$)/.test(f.name)
  )
    p.push('not in base units (seconds, bytes, ratio)');
  if (f.type === 'histogram' && ours && !/_(seconds|bytes)$/.test(f.name)) p.push('histogram without a unit');
  if (/timestamp/.test(f.name) && !f.name.endsWith('_timestamp_seconds')) p.push('timestamp not in seconds');
  for (const l of f.labels) if (l.startsWith('__')) p.push(`reserved label ${l}`);
  if (ours && f.labels.has('quantile') && f.type !== 'summary') p.push('quantile label outside a summary');
  return p;
}

let api: KubeApiServer;
let ctl: RunningController;
const expositions: Array<{ component: string; text: string }> = [];

before(async () => {
  const wp = createMetrics();
  wp.request('openai', 'chat', 200, 0.2);
  wp.decision('BLOCK', 'request', 0.0004);
  wp.tokens('openai', 'gpt-4o-mini', 'prompt', 100);
  wp.tokens('openai', 'gpt-4o-mini', 'completion', 20);
  wp.upstream('openai', 0.1);
  wp.failOpen('no-policy');
  wp.cache('hit');
  wp.bundle('loaded', 'r1');
  expositions.push({ component: 'waypoint', text: await wp.registry.metrics() });
  const node = nodeAgentMetrics({ frozen: () => 1, intercepted: () => 2 });
  expositions.push({ component: 'node agent', text: await node.metrics() });
  api = await startKubeApiServer({ crds: true, namespaces: ['semamesh-system'] });
  ctl = await startController(testControllerConfig(), {
    client: new K8sClient(api.kubeconfig),
    log: () => {},
  });
  const res = await fetch(`${ctl.metricsUrl}/metrics`);
  expositions.push({ component: 'controller', text: await res.text() });
});

after(async () => {
  await ctl?.close();
  await api?.close();
});

const all = () => expositions.flatMap((e) => families(e.text, e.component));

test('every metric follows the naming conventions', () => {
  const problems = all().flatMap((f) => lint(f).map((p) => `${f.component} ${f.name}: ${p}`));
  assert.deepEqual(problems, []);
});

test('the lint catches what it claims to', () => {
  const bad = (name: string, type: string) =>
    lint({ name, type, help: 'x', labels: new Set(), component: 't' });
  assert.deepEqual(bad('semamesh_controller_reconciles', 'counter'), ['counter without _total']);
  assert.deepEqual(bad('semamesh_x_total', 'gauge'), ['_total on a non-counter']);
  assert.ok(bad('semamesh_latency_ms', 'gauge').length > 0);
  assert.ok(bad('semamesh_latency', 'histogram').length > 0);
});

test('every component exports process metrics, and the waypoint a cost counter and end-to-end latency', () => {
  for (const e of expositions) {
    const names = new Set(families(e.text, e.component).map((f) => f.name));
    assert.ok(names.has('process_cpu_seconds_total'), `${e.component} has no process metrics`);
    assert.ok(names.has('nodejs_heap_size_used_bytes'), `${e.component} has no nodejs metrics`);
  }
  const wp = families(expositions[0].text, 'waypoint');
  const cost = wp.find((f) => f.name === 'semamesh_waypoint_cost_usd_total');
  assert.equal(cost?.type, 'counter');
  assert.match(
    expositions[0].text,
    /semamesh_waypoint_cost_usd_total\{provider="openai",model="gpt-4o-mini"\} 0\.000027/,
  );
  assert.equal(wp.find((f) => f.name === 'semamesh_waypoint_request_duration_seconds')?.type, 'histogram');
  const ctlFamilies = families(expositions[2].text, 'controller');
  assert.equal(ctlFamilies.find((f) => f.name === 'semamesh_controller_reconciles_total')?.type, 'counter');
});

test('promtool check metrics accepts every exposition', {
  skip: !existsSync(PROMTOOL) && `${PROMTOOL} not installed (apt-get install prometheus)`,
}, () => {
  for (const e of expositions) {
    const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: e.text, encoding: 'utf8' });
    assert.equal(`${r.stdout}${r.stderr}`.trim(), '', `${e.component}`);
    assert.equal(r.status, 0, e.component);
  }
});

const FUNCTIONS = new Set(
  (
    'abs absent absent_over_time avg avg_over_time bottomk ceil changes clamp clamp_max clamp_min count count_over_time ' +
    'count_values delta deriv exp floor group histogram_quantile holt_winters idelta increase irate label_join ' +
    'label_replace ln log2 log10 max max_over_time min min_over_time predict_linear quantile quantile_over_time rate ' +
    'resets round scalar sort sort_desc sqrt stddev stdvar sum sum_over_time time timestamp topk vector and or unless ' +
    'by without on ignoring group_left group_right bool offset inf nan'
  ).split(' '),
);

/** The metric names a PromQL expression reads. */
function metricsIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, '0')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\[[^\]]*\]/g, '');
  const ids = stripped.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? [];
  return ids.filter((id) => !FUNCTIONS.has(id) && !/^\d/.test(id) && !/^e\d+$/.test(id));
}

function known(): Set<string> {
  const names = new Set<string>();
  for (const f of all()) {
    names.add(f.name);
    if (f.type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(f.name + s);
  }
  return names;
}

const rulesDoc = () =>
  parse(readFileSync(join(root, 'deploy/monitoring/prometheus-rules.yaml'), 'utf8')) as {
    spec: { groups: { name: string; rules: { alert?: string; record?: string; expr: string }[] }[] };
  };

test('alerts and recording rules use only metrics that exist', () => {
  const names = known();
  const doc = rulesDoc();
  for (const g of doc.spec.groups) for (const r of g.rules) if (r.record) names.add(r.record);
  const alerts = doc.spec.groups.flatMap((g) => g.rules.filter((r) => r.alert).map((r) => r.alert));
  for (const wanted of [
    'HighBlockedRate',
    'AgentsPaused',
    'BudgetNearlySpent',
    'BundleStale',
    'PolicyCompileFailed',
  ])
    assert.ok(alerts.includes(`SemaMesh${wanted}`), wanted);
  for (const g of doc.spec.groups)
    for (const r of g.rules)
      for (const m of metricsIn(r.expr))
        assert.ok(names.has(m), `${r.alert ?? r.record}: ${m} is not exported by any component`);
  assert.deepEqual(metricsIn('sum by (le) (rate(a_bucket{x="y"}[5m])) / b > 2e-3'), ['a_bucket', 'b']);
});

test('promtool check rules accepts the PrometheusRule groups', {
  skip: !existsSync(PROMTOOL) && `${PROMTOOL} not installed (apt-get install prometheus)`,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'semamesh-rules-'));
  const file = join(dir, 'rules.json');
  writeFileSync(file, JSON.stringify({ groups: rulesDoc().spec.groups }));
  const r = spawnSync(PROMTOOL, ['check', 'rules', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /SUCCESS: \d+ rules found/);
});

test('the Grafana dashboard queries only metrics that exist', () => {
  const dash = JSON.parse(readFileSync(join(root, 'deploy/monitoring/grafana-dashboard.json'), 'utf8')) as {
    uid: string;
    panels: { title: string; targets: { expr: string }[] }[];
  };
  assert.equal(dash.uid, 'semamesh-overview');
  const names = known();
  let queries = 0;
  for (const p of dash.panels)
    for (const t of p.targets) {
      queries++;
      for (const m of metricsIn(t.expr)) assert.ok(names.has(m), `panel "${p.title}": ${m} does not exist`);
    }
  assert.ok(queries >= 15, `${queries} queries`);
});

test('the monitoring kustomization names files that exist', () => {
  const k = parse(readFileSync(join(root, 'deploy/monitoring/kustomization.yaml'), 'utf8')) as {
    resources: string[];
    configMapGenerator: { files: string[] }[];
  };
  for (const r of k.resources) assert.ok(existsSync(join(root, 'deploy/monitoring', r)), r);
  for (const f of k.configMapGenerator.flatMap((g) => g.files))
    assert.ok(existsSync(join(root, 'deploy/monitoring', f.split('=').pop()!)), f);
  const overlay = parse(
    readFileSync(join(root, 'deploy/overlays/monitoring/kustomization.yaml'), 'utf8'),
  ) as {
    resources: string[];
  };
  for (const r of overlay.resources) assert.ok(existsSync(join(root, 'deploy/overlays/monitoring', r)), r);
});
