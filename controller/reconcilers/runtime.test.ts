// Unit tests of the reconciler framework and its sub-steps with a recording fake client: status
// summaries per error type, minimal status patches, the work queue's semantics, the policy-set
// compiler's debounce and last-good fallback, and the incident state machine's Pending timeout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SemaPolicy } from '../../api/index.js';
import type { K8sClient, KubeObject } from '../../kube/index.js';
import { setCondition } from './conditions.js';
import { decisionStep, pendingStep } from './incident.js';
import type { IncidentObject } from './incident-actions.js';
import { compiledStep } from './policy.js';
import { diagnosticOwner, PolicySetCompiler } from './policy-set.js';
import { Patcher, reconcileObject, StallingError, WaitingError, WorkQueue } from './runtime.js';

function fakeClient() {
  const patches: { name: string; status: Record<string, unknown> }[] = [];
  const client = {
    patchStatus: async (ref: { name: string }, status: Record<string, unknown>) => {
      patches.push({ name: ref.name, status });
      return {};
    },
    find: async () => undefined,
    delete: async () => false,
  } as unknown as K8sClient;
  return { client, patches };
}

const obj = (status?: Record<string, unknown>, generation = 3): KubeObject => ({
  apiVersion: 'semamesh.io/v1alpha1',
  kind: 'SemaPolicy',
  metadata: { name: 'p', namespace: 'ns', generation },
  ...(status ? { status } : {}),
});

test('success: Ready=True with the step reason, observedGeneration, no Reconciling/Stalled', async () => {
  const { client, patches } = fakeClient();
  const out = await reconcileObject(
    client,
    obj({
      conditions: [{ type: 'Stalled', status: 'True', reason: 'X', message: '', lastTransitionTime: 'T' }],
    }),
    [async () => ({ ready: { reason: 'Compiled', message: 'ok' } })],
  );
  assert.equal(out.ready, 'True');
  const st = patches[0].status as {
    observedGeneration: number;
    conditions: { type: string; reason: string; observedGeneration: number }[];
  };
  assert.equal(st.observedGeneration, 3);
  assert.deepEqual(
    st.conditions.map((c) => [c.type, c.reason, c.observedGeneration]),
    [['Ready', 'Compiled', 3]],
  );
});

test('Stalling: Ready=False + Stalled=True, observedGeneration moves, no rethrow', async () => {
  const { client, patches } = fakeClient();
  const out = await reconcileObject(client, obj(), [
    async () => {
      throw new StallingError('CompileFailed', 'custom/ns/p.rego:1:2: rego_parse_error: bad');
    },
  ]);
  assert.equal(out.ready, 'False');
  const st = patches[0].status as {
    observedGeneration: number;
    conditions: { type: string; status: string; message: string }[];
  };
  assert.equal(st.observedGeneration, 3);
  assert.deepEqual(
    st.conditions.map((c) => [c.type, c.status]),
    [
      ['Ready', 'False'],
      ['Stalled', 'True'],
    ],
  );
});

test('Waiting: Reconciling=True and a requeue; observedGeneration stays', async () => {
  const { client, patches } = fakeClient();
  const out = await reconcileObject(client, obj({ observedGeneration: 2 }), [
    async () => {
      throw new WaitingError('Progressing', 'waiting', 1234);
    },
  ]);
  assert.equal(out.requeueAfterMs, 1234);
  const st = patches[0].status as { observedGeneration?: number; conditions: { type: string }[] };
  assert.equal(st.observedGeneration, undefined, 'not part of the patch: unchanged');
  assert.deepEqual(
    st.conditions.map((c) => c.type),
    ['Ready', 'Reconciling'],
  );
});

test('a generic error writes ReconcileError and rethrows a coded error so the queue backs off', async () => {
  const { client, patches } = fakeClient();
  await assert.rejects(
    reconcileObject(client, obj(), [
      async () => {
        throw new Error('boom');
      },
    ]),
    { code: 'SM_ERR_CONTROLLER_RECONCILE' },
  );
  assert.equal((patches[0].status.conditions as { reason: string }[])[0].reason, 'ReconcileError');
});

test('Patcher sends only what changed, and nothing when nothing did; lastTransitionTime is kept', async () => {
  const { client, patches } = fakeClient();
  const conditions = setCondition(
    [],
    { type: 'Ready', status: 'True', reason: 'Compiled', message: 'a', observedGeneration: 3 },
    new Date(0),
  );
  const p = new Patcher(client, obj({ phase: 'Paused', rules: 2, conditions }));
  p.setCondition('Ready', 'True', 'Compiled', 'a');
  assert.equal(await p.patch(), false);
  p.setCondition('Ready', 'True', 'Compiled', 'b');
  p.status.rules = undefined;
  assert.equal(await p.patch(), true);
  assert.deepEqual(Object.keys(patches[0].status).sort(), ['conditions', 'rules']);
  assert.equal(patches[0].status.rules, null);
  assert.equal(
    (patches[0].status.conditions as { lastTransitionTime: string }[])[0].lastTransitionTime,
    '1970-01-01T00:00:00Z',
  );
});

test('WorkQueue: de-duplicates, never runs a key twice at once, re-runs a key added while running, backs off failures', async () => {
  const runs: string[] = [];
  let active = 0;
  let maxActiveSameKey = 0;
  let fail = 2;
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const q = new WorkQueue(
    async (key) => {
      active++;
      maxActiveSameKey = Math.max(maxActiveSameKey, active);
      runs.push(key);
      if (key === 'a' && runs.filter((k) => k === 'a').length === 1) await gate;
      active--;
      if (key === 'f' && fail-- > 0) throw new Error('transient');
      return undefined;
    },
    { concurrency: 4, baseDelayMs: 1, maxDelayMs: 4 },
  );
  q.start();
  q.add('a');
  q.add('a'); // running: marked dirty, not run concurrently
  q.add('a');
  q.add('f');
  release();
  // The retries of 'f' wait on backoff timers; poll for them rather than sleep a fixed time, so a
  // loaded machine cannot turn the wait into a failure.
  for (let waited = 0; runs.filter((k) => k === 'f').length < 3 && waited < 5000; waited += 10) {
    await new Promise((r) => setTimeout(r, 10));
  }
  await q.idle();
  assert.equal(runs.filter((k) => k === 'a').length, 2);
  assert.equal(runs.filter((k) => k === 'f').length, 3, 'two failures, then success');
  q.stop();
  q.add('x');
  await q.idle();
  assert.equal(runs.includes('x'), false, 'a stopped queue takes nothing');
});

const policy = (name: string, action: string, generation: number, rego?: string) =>
  ({
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaPolicy',
    metadata: { name, namespace: 'ns', generation },
    spec: {
      rules: [{ name: 'r', intentMatches: ['drop database'], action, riskLevel: 'High' }],
      ...(rego ? { rego } : {}),
    },
  }) as unknown as SemaPolicy;

test('diagnosticOwner maps generated and custom files back to namespace/name', () => {
  assert.equal(
    diagnosticOwner({
      code: 'rego_parse_error',
      message: '',
      location: { file: 'custom/ns/p.rego', row: 1, col: 1 },
    }),
    'ns/p',
  );
  assert.equal(
    diagnosticOwner({
      code: 'rego_compile_error',
      message: '',
      location: { file: 'SemaPolicy/ns/p', row: 0, col: 0 },
    }),
    'ns/p',
  );
  assert.equal(
    diagnosticOwner({
      code: 'rego_type_error',
      message: '',
      location: { file: 'policies/semamesh/decision.rego', row: 1, col: 1 },
    }),
    undefined,
  );
});

test('PolicySetCompiler: a burst compiles once; a broken edit keeps the last good generation; compiledStep reports it', async () => {
  let policies = Array.from({ length: 50 }, (_, i) => policy(`p${i}`, 'BLOCK', 1));
  const published: string[] = [];
  const compiler = new PolicySetCompiler({
    policies: () => policies,
    quotas: () => [],
    publish: (_b, rev) => {
      published.push(rev);
    },
    debounceMs: 30,
  });
  compiler.setEnabled(true);
  for (let i = 0; i < 50; i++) compiler.markDirty();
  await compiler.flush(); // the pending debounce timer becomes this one compile
  assert.equal(compiler.compiles, 1);
  assert.equal(published.length, 1);
  const good = compiler.outcome('SemaPolicy/ns/p7');
  assert.equal(good?.state, 'compiled');

  policies = policies.map((p) =>
    p.metadata.name === 'p7' ? policy('p7', 'AUDIT', 2, 'package x\n\np := {\n') : p,
  );
  await compiler.flush();
  const bad = compiler.outcome('SemaPolicy/ns/p7');
  assert.equal(bad?.state, 'failed');
  assert.match(
    bad?.state === 'failed' ? bad.message : '',
    /^custom\/ns\/p7\.rego:\d+:\d+: rego_parse_error: [\s\S]*\n\(generation 1 stays enforced in bundle sha256-/,
  );
  assert.equal(compiler.outcome('SemaPolicy/ns/p8')?.state, 'compiled');
  assert.equal(
    published.length,
    1,
    'same content as before (p7 generation 1 stands in): nothing new to publish',
  );

  const { client, patches } = fakeClient();
  const live = { ...(policies[7] as unknown as KubeObject), kind: 'SemaPolicy' };
  await reconcileObject(client, live, [compiledStep(compiler)]);
  const conds = patches[0].status.conditions as { type: string; reason: string }[];
  assert.deepEqual(
    conds.map((c) => `${c.type}:${c.reason}`),
    ['Ready:CompileFailed', 'Stalled:CompileFailed'],
  );
});

const incident = (phase: string | undefined, createdMsAgo: number, now: number): IncidentObject =>
  ({
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaIncident',
    metadata: {
      name: 'i',
      namespace: 'ns',
      generation: 1,
      creationTimestamp: new Date(now - createdMsAgo).toISOString(),
    },
    spec: {
      agent: { namespace: 'ns', pod: 'agent' },
      policy: 'ns/p',
      rule: 'r',
      reason: '',
      action: 'PAUSE',
      detectedAt: '',
      requestDigest: '',
    },
    ...(phase ? { status: { phase } } : {}),
  }) as unknown as IncidentObject;

test('incident: Pending waits for the node agent, then fails after the timeout; Failed stalls', async () => {
  const now = 10_000_000;
  const steps = [pendingStep({ pauseTimeoutMs: 60_000, now: () => now }), decisionStep()];
  const { client, patches } = fakeClient();
  const waiting = await reconcileObject(client, incident(undefined, 1000, now), steps as never);
  assert.equal(waiting.reason, 'AwaitingNodeAgent');
  assert.ok((waiting.requeueAfterMs ?? 0) > 0);
  assert.equal(patches[0].status.phase, undefined, 'an absent phase is never written as Pending');

  const timedOut = await reconcileObject(client, incident('Pending', 61_000, now), steps as never);
  assert.equal(timedOut.reason, 'NodeAgentTimeout');
  assert.equal(patches[1].status.phase, 'Failed');

  const failed = await reconcileObject(client, incident('Failed', 1000, now), steps as never);
  assert.equal(failed.reason, 'PauseFailed');
  const paused = await reconcileObject(client, incident('Paused', 1000, now), steps as never);
  assert.equal(paused.ready, 'True');
  assert.equal(paused.reason, 'Paused');
});
