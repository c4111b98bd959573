// Integration tests on a real kube-apiserver + etcd (hack/build-k8s.sh, started envtest-style by
// hack/local-cluster.sh up --api-only): our CRDs install as structural schemas and are
// Established; the API server itself (OpenAPI + CEL) rejects bad objects with our messages; the
// status subresource, server-side apply field managers and watches behave; and the real
// `semamesh controller` process compiles a SemaPolicy to Ready and serves the bundle.
//
// Skipped, with the reason printed, when the binaries are not built; an error under CI=true.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import {
  type Cluster,
  REPO_ROOT,
  skipUnlessBuilt,
  startCluster,
  startLocalController,
  until,
} from './harness.js';

const skip = skipUnlessBuilt();
const GROUP = 'semamesh.io';
const CRDS = ['semapolicies', 'semaquotas', 'semapolicysources', 'semaincidents'];
const NS = 'team-a';
const policies = `/apis/${GROUP}/v1alpha1/namespaces/${NS}/semapolicies`;

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface Obj {
  metadata: {
    name: string;
    generation?: number;
    resourceVersion?: string;
    managedFields?: { manager: string; operation: string }[];
  };
  spec?: Record<string, unknown>;
  status?: {
    conditions?: Condition[];
    observedGeneration?: number;
    compiledRevision?: string;
    [k: string]: unknown;
  };
}

const rule = (extra: Record<string, unknown> = {}) => ({
  name: 'no-db-deletes',
  intentMatches: ['drop database'],
  action: 'BLOCK',
  riskLevel: 'Critical',
  ...extra,
});
const policy = (name: string, spec: Record<string, unknown> = { rules: [rule()] }) => ({
  apiVersion: `${GROUP}/v1alpha1`,
  kind: 'SemaPolicy',
  metadata: { name, namespace: NS },
  spec,
});

describe('on a real kube-apiserver', { skip }, () => {
  let c: Cluster;

  before(async () => {
    c = await startCluster();
    console.log(`# cluster: etcd + kube-apiserver ready in ${c.startSeconds.toFixed(1)}s at ${c.server}`);
    for (const ns of [NS, 'semamesh-system']) {
      const r = await c.api('POST', '/api/v1/namespaces', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns },
      });
      assert.equal(r.status, 201, r.text);
    }
    // The CRDs are their own kustomization: installed separately from any overlay.
    const t0 = Date.now();
    const apply = c.kubectl([
      'apply',
      '--server-side',
      '--field-manager=semamesh-test',
      '-k',
      `${REPO_ROOT}/deploy/crds`,
    ]);
    assert.equal(apply.status, 0, apply.stderr);
    const wait = c.kubectl([
      'wait',
      '--for=condition=Established',
      '--timeout=60s',
      ...CRDS.map((p) => `crd/${p}.${GROUP}`),
    ]);
    assert.equal(wait.status, 0, wait.stderr);
    console.log(`# cluster: CRDs applied and Established in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  });

  after(async () => {
    await c?.stop();
  });

  test('every CRD is Established, NamesAccepted and has a structural schema', async () => {
    for (const p of CRDS) {
      const r = await c.api<{ status: { conditions: Condition[] } }>(
        'GET',
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${p}.${GROUP}`,
      );
      assert.equal(r.status, 200, r.text);
      const cond = (t: string) => r.body.status.conditions.find((x) => x.type === t);
      assert.equal(cond('Established')?.status, 'True', p);
      assert.equal(cond('NamesAccepted')?.status, 'True', p);
      // The API server sets NonStructuralSchema=True for schemas it cannot prune/default/validate.
      assert.equal(cond('NonStructuralSchema'), undefined, `${p}: ${cond('NonStructuralSchema')?.message}`);
    }
    // Discovery lists the kinds with their short names and the status subresource.
    const d = await c.api<{ resources: { name: string; shortNames?: string[] }[] }>(
      'GET',
      `/apis/${GROUP}/v1alpha1`,
    );
    const names = d.body.resources.map((r) => r.name);
    for (const p of CRDS) {
      assert.ok(names.includes(p), `${p} in discovery`);
      assert.ok(names.includes(`${p}/status`), `${p}/status in discovery`);
    }
  });

  test('the API server rejects bad objects: OpenAPI schema and our CEL rules', async () => {
    const reject = async (obj: Record<string, unknown>, path: string, pattern: RegExp) => {
      const r = await c.api<{ message: string; reason: string }>('POST', path, obj);
      assert.equal(r.status, 422, `${r.status} ${r.text}`);
      assert.equal(r.body.reason, 'Invalid');
      assert.match(r.body.message, pattern);
    };
    // CEL: a rule with nothing to match.
    await reject(
      policy('no-match', { rules: [rule({ intentMatches: [] })] }),
      policies,
      /a rule needs at least one intentMatches, toolMatches or textMatches entry/,
    );
    // OpenAPI: an unknown action.
    await reject(
      policy('bad-action', { rules: [rule({ action: 'EXPLODE' })] }),
      policies,
      /spec\.rules\[0\]\.action: Unsupported value: "EXPLODE"/,
    );
    // OpenAPI: required field.
    await reject(policy('no-rules', {}), policies, /spec\.rules: Required value/);
    // CEL on SemaQuota: a limit without any bound.
    await reject(
      {
        apiVersion: `${GROUP}/v1alpha1`,
        kind: 'SemaQuota',
        metadata: { name: 'q', namespace: NS },
        spec: { limits: [{ window: 'hour' }] },
      },
      `/apis/${GROUP}/v1alpha1/namespaces/${NS}/semaquotas`,
      /a limit needs at least one of tokens, costUSD or requests/,
    );
    // CEL on SemaPolicySource: path escaping the repository; two refs at once.
    const sources = `/apis/${GROUP}/v1alpha1/namespaces/${NS}/semapolicysources`;
    const source = (spec: Record<string, unknown>) => ({
      apiVersion: `${GROUP}/v1alpha1`,
      kind: 'SemaPolicySource',
      metadata: { name: 's', namespace: NS },
      spec: { url: 'https://git.example/policies.git', ...spec },
    });
    await reject(
      source({ path: 'a/../../etc' }),
      sources,
      /path must be relative and must not contain "\.\." segments/,
    );
    await reject(
      source({ ref: { branch: 'main', tag: 'v1' } }),
      sources,
      /set at most one of branch, tag, semver or commit/,
    );
    // Strict field validation rejects unknown fields instead of pruning them.
    const strict = await c.api<{ message: string }>(
      'POST',
      `${policies}?fieldValidation=Strict`,
      policy('unknown-field', { rules: [rule()], surprise: true }),
    );
    // The API server refuses it while decoding: 400 BadRequest, not 422.
    assert.equal(strict.status, 400, strict.text);
    assert.match(strict.body.message, /strict decoding error: unknown field "spec\.surprise"/);
    // Without Strict the field is pruned (structural schema), and defaults are applied.
    const pruned = await c.api<Obj>('POST', policies, policy('pruned', { rules: [rule()], surprise: true }));
    assert.equal(pruned.status, 201, pruned.text);
    assert.equal((pruned.body.spec as Record<string, unknown>).surprise, undefined);
    const src = await c.api<Obj>('POST', sources, source({}));
    assert.equal(src.status, 201, src.text);
    assert.equal((src.body.spec as Record<string, unknown>).path, '.');
    assert.equal((src.body.spec as Record<string, unknown>).interval, '5m');
  });

  test('status is a subresource: the main resource ignores status, /status ignores spec', async () => {
    const created = await c.api<Obj>('POST', policies, {
      ...policy('status-sub'),
      status: { observedGeneration: 99 },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.status, undefined, 'status dropped on create');
    assert.equal(created.body.metadata.generation, 1);

    const st = await c.api<Obj>(
      'PATCH',
      `${policies}/status-sub/status`,
      { status: { observedGeneration: 1, rules: 1 }, spec: { rules: [rule({ action: 'AUDIT' })] } },
      'application/merge-patch+json',
    );
    assert.equal(st.status, 200, st.text);
    assert.equal(st.body.status?.observedGeneration, 1);
    assert.equal(st.body.metadata.generation, 1, 'a status write does not bump the generation');
    assert.equal(
      (st.body.spec?.rules as { action: string }[] | undefined)?.[0]?.action,
      'BLOCK',
      '/status ignores spec',
    );

    const sp = await c.api<Obj>(
      'PATCH',
      `${policies}/status-sub`,
      { spec: { rules: [rule({ action: 'AUDIT' })] }, status: { observedGeneration: 42 } },
      'application/merge-patch+json',
    );
    assert.equal(sp.status, 200, sp.text);
    assert.equal(sp.body.metadata.generation, 2, 'a spec change bumps the generation');
    assert.equal(sp.body.status?.observedGeneration, 1, 'the main resource ignores status');
  });

  test('server-side apply: field managers own fields, conflicts are reported, force takes over', async () => {
    const applyAs = (manager: string, obj: unknown, force = false) =>
      c.api<Obj & { message?: string; details?: { causes?: { field: string }[] } }>(
        'PATCH',
        `${policies}/ssa?fieldManager=${manager}${force ? '&force=true' : ''}`,
        obj,
        'application/apply-patch+yaml',
      );
    const first = await applyAs('gitops', policy('ssa', { rules: [rule()], enforcement: 'enforce' }));
    assert.equal(first.status, 201, first.text);
    // The same manager re-applying is a no-op (same resourceVersion).
    const again = await applyAs('gitops', policy('ssa', { rules: [rule()], enforcement: 'enforce' }));
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.metadata.resourceVersion, first.body.metadata.resourceVersion);
    // Another manager changing an owned field conflicts.
    const conflict = await applyAs('someone-else', policy('ssa', { rules: [rule()], enforcement: 'dryrun' }));
    assert.equal(conflict.status, 409, conflict.text);
    assert.match(conflict.body.message ?? '', /conflict with "gitops"/);
    // Forcing takes the field over; both managers are then recorded.
    const forced = await applyAs(
      'someone-else',
      policy('ssa', { rules: [rule()], enforcement: 'dryrun' }),
      true,
    );
    assert.equal(forced.status, 200, forced.text);
    assert.equal(forced.body.spec?.enforcement, 'dryrun');
    const managers = (forced.body.metadata.managedFields ?? [])
      .map((m) => `${m.manager}/${m.operation}`)
      .sort();
    assert.deepEqual(managers, ['gitops/Apply', 'someone-else/Apply']);
    // A status writer (the controller) is a manager of its own, on the status subresource.
    const st = await c.api<Obj>(
      'PATCH',
      `${policies}/ssa/status?fieldManager=semamesh-controller&force=true`,
      {
        apiVersion: `${GROUP}/v1alpha1`,
        kind: 'SemaPolicy',
        metadata: { name: 'ssa', namespace: NS },
        status: { rules: 1 },
      },
      'application/apply-patch+yaml',
    );
    assert.equal(st.status, 200, st.text);
    assert.ok(st.body.metadata.managedFields?.some((m) => m.manager === 'semamesh-controller'));
  });

  test('watch: ADDED, MODIFIED, DELETED from a resourceVersion, with bookmarks allowed', async () => {
    const list = await c.api<{ metadata: { resourceVersion: string } }>('GET', policies);
    const w = c.watch(
      `${policies}?watch=1&allowWatchBookmarks=true&resourceVersion=${list.body.metadata.resourceVersion}`,
    );
    try {
      assert.equal((await c.api('POST', policies, policy('watched'))).status, 201);
      assert.equal(
        (
          await c.api(
            'PATCH',
            `${policies}/watched`,
            { metadata: { labels: { a: 'b' } } },
            'application/merge-patch+json',
          )
        ).status,
        200,
      );
      assert.equal((await c.api('DELETE', `${policies}/watched`)).status, 200);
      const seen = await until('three events for "watched"', () => {
        const mine = w.events
          .filter((e) => e.type !== 'BOOKMARK')
          .filter((e) => (e.object.metadata as { name: string }).name === 'watched')
          .map((e) => e.type);
        return mine.length >= 3 ? mine : undefined;
      });
      assert.deepEqual(seen, ['ADDED', 'MODIFIED', 'DELETED']);
    } finally {
      w.stop();
    }
  });

  test('semamesh controller: a SemaPolicy becomes Ready and its bundle is served', async () => {
    const ctl = await startLocalController(c.kubeconfig, ['--namespace', 'semamesh-system']);
    const { bundlePort } = ctl;
    try {
      assert.equal((await c.api('POST', policies, policy('ctl-block'))).status, 201);
      const ready = await until(
        'SemaPolicy ctl-block Ready=True',
        async () => {
          const p = await c.api<Obj>('GET', `${policies}/ctl-block`);
          const r = p.body.status?.conditions?.find((x) => x.type === 'Ready');
          return r?.status === 'True' && p.body.status?.observedGeneration === 1 ? p.body : undefined;
        },
        90_000,
      ).catch((e) => {
        throw new Error(`${e}\n--- controller output\n${ctl.output()}`);
      });
      const revision = ready.status?.compiledRevision ?? '';
      assert.match(revision, /^sha256-[0-9a-f]+$/);
      // The controller's status writes carry its field manager (not the HTTP library's name).
      const statusManagers = (ready.metadata.managedFields ?? [])
        .filter((m) => (m as { subresource?: string }).subresource === 'status')
        .map((m) => m.manager);
      assert.deepEqual(statusManagers, ['semamesh-controller']);

      const res = await until('the bundle', async () => {
        const r = await fetch(`http://127.0.0.1:${bundlePort}/bundles/semamesh`);
        return r.status === 200 ? r : undefined;
      });
      const etag = res.headers.get('etag');
      assert.ok(etag, 'bundle has an ETag');
      const bytes = Buffer.from(await res.arrayBuffer());
      const files = spawnSync('tar', ['-tzf', '-'], { input: bytes, encoding: 'utf8' });
      assert.equal(files.status, 0, files.stderr);
      const names = files.stdout.split('\n').map((n) => n.replace(/^\/+/, ''));
      assert.ok(names.includes('policy.wasm'), files.stdout);
      assert.ok(names.includes('.manifest'), files.stdout);
      const manifest = spawnSync('tar', ['-xzOf', '-', '.manifest'], { input: bytes, encoding: 'utf8' });
      const manifestText =
        manifest.status === 0
          ? manifest.stdout
          : spawnSync('tar', ['-xzOf', '-', '/.manifest'], { input: bytes, encoding: 'utf8' }).stdout;
      assert.equal(JSON.parse(manifestText).revision, revision, 'the served bundle is the Ready revision');
      // Unchanged: 304 on the ETag.
      const same = await fetch(`http://127.0.0.1:${bundlePort}/bundles/semamesh`, {
        headers: { 'if-none-match': etag },
      });
      assert.equal(same.status, 304);
      // An Event records the transition (written just after the status, so poll for it).
      const event = await until(
        'an Event for ctl-block',
        async () => {
          const ev = await c.api<{
            items: { reason: string; type: string; involvedObject: { name: string; kind: string } }[];
          }>('GET', `/api/v1/namespaces/${NS}/events`);
          return ev.body.items.find((e) => e.involvedObject.name === 'ctl-block');
        },
        30_000,
      ).catch((e) => {
        throw new Error(`${e}\n--- controller output\n${ctl.output()}`);
      });
      assert.equal(event.involvedObject.kind, 'SemaPolicy');
      assert.equal(event.type, 'Normal');
    } finally {
      ctl.proc.kill('SIGTERM');
      await new Promise((r) => (ctl.proc.exitCode !== null ? r(null) : ctl.proc.once('exit', r)));
    }
  });
});
