// Checks the GitOps deployment assets: the Argo CD health scripts (run with lua5.4 against sample
// objects, and embedded verbatim in the argocd-cm patch), the Flux example, and the example policy
// repository (it validates, compiles, and its Rego tests pass).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { loadPolicyFiles, runTests, testExitCode } from '../engine/index.js';
import { formatRenderDiagnostic, renderDirectory } from './render/index.js';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const argocd = join(root, 'deploy/argocd');
const LUA = 'lua5.4';

/** A JSON value as a Lua literal (arrays 1-based, as Argo CD's JSON → Lua conversion makes them). */
function lua(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `{${value.map(lua).join(', ')}}`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `[${JSON.stringify(k)}] = ${lua(v)}`)
    .join(', ')}}`;
}

async function health(script: string, obj: unknown): Promise<{ status: string; message: string }> {
  const body = await readFile(join(argocd, 'health', script), 'utf8');
  const program = `local function check(obj)\n${body}\nend\nlocal hs = check(${lua(obj)})\nio.write(hs.status, "\\n", hs.message or "")`;
  let stdout: string;
  try {
    ({ stdout } = await run(LUA, ['-e', program]));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      assert.fail(`${LUA} is not installed (apt-get install lua5.4); it runs the Argo CD health checks`);
    throw err;
  }
  const [status, ...rest] = stdout.split('\n');
  return { status, message: rest.join('\n') };
}

const cond = (type: string, status: string, reason = 'R', message = `${type} ${status}`) => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: '2026-01-01T00:00:00Z',
});
const withStatus = (status: unknown, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'semamesh.io/v1alpha1',
  metadata: { name: 'x', generation: 2 },
  ...extra,
  status,
});

describe('Argo CD health checks', () => {
  test('the argocd-cm patch embeds every script verbatim under semamesh.io_<Kind>', async () => {
    const cm = parse(await readFile(join(argocd, 'argocd-cm-patch.yaml'), 'utf8')) as {
      data: Record<string, string>;
    };
    const expect: Record<string, string> = {
      SemaPolicy: 'semapolicy.lua',
      SemaQuota: 'semapolicy.lua',
      SemaPolicySource: 'semapolicysource.lua',
      SemaIncident: 'semaincident.lua',
    };
    assert.deepEqual(
      Object.keys(cm.data).sort(),
      Object.keys(expect)
        .map((k) => `resource.customizations.health.semamesh.io_${k}`)
        .sort(),
    );
    for (const [kind, file] of Object.entries(expect))
      assert.equal(
        cm.data[`resource.customizations.health.semamesh.io_${kind}`],
        await readFile(join(argocd, 'health', file), 'utf8'),
        kind,
      );
  });

  test('SemaPolicy / SemaQuota', async () => {
    assert.equal((await health('semapolicy.lua', withStatus(undefined))).status, 'Progressing');
    assert.equal(
      (
        await health(
          'semapolicy.lua',
          withStatus({ observedGeneration: 1, conditions: [cond('Ready', 'True')] }),
        )
      ).status,
      'Progressing',
    );
    assert.deepEqual(
      await health(
        'semapolicy.lua',
        withStatus({ observedGeneration: 2, conditions: [cond('Ready', 'True', 'Compiled', 'ok')] }),
      ),
      { status: 'Healthy', message: 'ok' },
    );
    assert.equal(
      (
        await health(
          'semapolicy.lua',
          withStatus({ observedGeneration: 2, conditions: [cond('Ready', 'False')] }),
        )
      ).status,
      'Degraded',
    );
    assert.equal(
      (
        await health(
          'semapolicy.lua',
          withStatus({
            observedGeneration: 2,
            conditions: [cond('Ready', 'False'), cond('Reconciling', 'True')],
          }),
        )
      ).status,
      'Progressing',
    );
    assert.equal(
      (
        await health(
          'semapolicy.lua',
          withStatus({
            observedGeneration: 2,
            conditions: [cond('Ready', 'False'), cond('Stalled', 'True')],
          }),
        )
      ).status,
      'Degraded',
    );
  });

  test('SemaPolicySource', async () => {
    assert.equal(
      (await health('semapolicysource.lua', withStatus(undefined, { spec: { suspend: true } }))).status,
      'Suspended',
    );
    assert.equal(
      (await health('semapolicysource.lua', withStatus(undefined, { spec: {} }))).status,
      'Progressing',
    );
    assert.deepEqual(
      await health(
        'semapolicysource.lua',
        withStatus({
          observedGeneration: 2,
          conditions: [cond('Ready', 'True', 'Succeeded', 'Applied revision: main@sha1:abc')],
        }),
      ),
      { status: 'Healthy', message: 'Applied revision: main@sha1:abc' },
    );
    const stalled = await health(
      'semapolicysource.lua',
      withStatus({
        observedGeneration: 2,
        conditions: [
          cond('Ready', 'False', 'ValidationFailed'),
          cond('Stalled', 'True', 'ValidationFailed', 'policies/a.yaml:3:1: bad'),
        ],
      }),
    );
    assert.deepEqual(stalled, { status: 'Degraded', message: 'ValidationFailed: policies/a.yaml:3:1: bad' });
    assert.equal(
      (
        await health(
          'semapolicysource.lua',
          withStatus({
            observedGeneration: 2,
            conditions: [cond('Ready', 'False'), cond('Reconciling', 'True')],
          }),
        )
      ).status,
      'Progressing',
    );
  });

  test('SemaIncident', async () => {
    const phase = async (p?: string) =>
      (await health('semaincident.lua', withStatus(p ? { phase: p, decidedBy: 'alice' } : undefined))).status;
    assert.deepEqual(
      [
        await phase(),
        await phase('Pending'),
        await phase('Paused'),
        await phase('Approved'),
        await phase('Terminated'),
        await phase('Failed'),
        await phase('Odd'),
      ],
      ['Progressing', 'Progressing', 'Suspended', 'Healthy', 'Healthy', 'Degraded', 'Unknown'],
    );
  });
});

describe('Flux example and example policy repository', () => {
  test('deploy/flux declares a GitRepository and a pruning Kustomization on ./policies', async () => {
    const docs = parseAllDocuments(await readFile(join(root, 'deploy/flux/policy-repo.yaml'), 'utf8')).map(
      (d) => d.toJS(),
    );
    assert.deepEqual(
      docs.map((d) => d.kind),
      ['GitRepository', 'Kustomization'],
    );
    assert.equal(docs[1].spec.sourceRef.name, docs[0].metadata.name);
    assert.equal(docs[1].spec.path, './policies');
    assert.equal(docs[1].spec.prune, true);
  });

  test('examples/policy-repo validates and compiles, its Rego tests pass, and the embedded Rego matches', async () => {
    const repo = join(root, 'examples/policy-repo');
    const r = await renderDirectory({ root: repo, path: 'policies', defaultNamespace: 'agents' });
    assert.equal(r.errors, 0, r.diagnostics.map(formatRenderDiagnostic).join('\n'));
    assert.ok(r.bundle);
    assert.equal(r.objects.length, 4);
    const tests = runTests(loadPolicyFiles([join(repo, 'rego')]));
    assert.equal(testExitCode(tests), 0, JSON.stringify(tests.results.filter((t) => t.outcome !== 'pass')));
    assert.ok(tests.results.length >= 4);
    const guard = r.objects.find((o) => o.metadata.name === 'shell-guard');
    const embedded = (guard?.spec as { rego?: string } | undefined)?.rego;
    assert.equal(embedded, await readFile(join(repo, 'rego/shell_guard.rego'), 'utf8'));
  });
});
