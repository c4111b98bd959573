// runDoctor reports every check with a status and gives a verdict naming what is missing.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { resetAddonCache } from './addon.js';
import { runDoctor } from './doctor.js';

const saved = { addon: process.env.SEMAMESH_BPF_ADDON, object: process.env.SEMAMESH_BPF_OBJECT };

afterEach(() => {
  for (const [key, value] of [
    ['SEMAMESH_BPF_ADDON', saved.addon],
    ['SEMAMESH_BPF_OBJECT', saved.object],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  resetAddonCache();
});

test('every check is reported with a status and a detail', () => {
  const report = runDoctor();
  const names = report.checks.map((c) => c.name);
  for (const n of [
    'platform',
    'kernel',
    'btf',
    'cgroup2',
    'bpffs',
    'privileges',
    'addon',
    'bpf object',
    'clang',
    'bpftool',
  ])
    assert.ok(names.includes(n), `missing check ${n}`);
  for (const c of report.checks) {
    assert.ok(['ok', 'warn', 'fail'].includes(c.status));
    assert.ok(c.detail.length > 0);
  }
  assert.equal(
    report.ready,
    report.checks.every((c) => !c.required || c.status !== 'fail'),
  );
});

test('a missing addon and object make the verdict "unavailable" and name both', () => {
  process.env.SEMAMESH_BPF_ADDON = '/nonexistent/semamesh_bpf.node';
  process.env.SEMAMESH_BPF_OBJECT = '/nonexistent/semamesh.bpf.o';
  resetAddonCache();
  const report = runDoctor();
  assert.equal(report.ready, false);
  assert.match(report.verdict, /unavailable \(missing: .*addon.*bpf object/);
  assert.match(report.checks.find((c) => c.name === 'addon')!.detail, /npm run build:bpf/);
});
