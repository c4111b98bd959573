// QuotaUsageReporter against a real redis-server and the kube API test server: usage a waypoint
// reserves and settles shows up in SemaQuota.status.usage, without touching the policy reconciler's
// conditions; unchanged usage is not rewritten; a dead store is reported, not thrown.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { QuotaUsage } from '../../api/index.js';
import { K8sClient, type KubeObject, SEMAMESH_KINDS } from '../../kube/index.js';
import { createBudgetEngine, type QuotaBudgetEngine } from '../../quota/index.js';
import { type RedisServer, redisServerPath, startRedis } from '../../quota/test-support.js';
import { type KubeApiServer, startKubeApiServer } from '../../test/kube-api-server/index.js';
import { parseControllerArgs, startController } from '../main.js';
import { testControllerConfig, waitFor } from '../testing.js';
import { QuotaUsageReporter, sameUsage } from './quota-usage.js';

let api: KubeApiServer;
let redis: RedisServer;
let client: K8sClient;
let waypoint: QuotaBudgetEngine;
const quiet = () => {};

before(async () => {
  const binary = redisServerPath();
  assert.ok(binary, 'redis-server must be installed (apt-get install redis-server)');
  redis = await startRedis(binary);
  api = await startKubeApiServer({ crds: true, namespaces: ['semamesh-system', 'agents'] });
  client = new K8sClient(api.kubeconfig);
  waypoint = createBudgetEngine({ kind: 'redis', url: redis.url }, { gcIntervalMs: 0 });
});

after(async () => {
  await waypoint?.close();
  await api?.close();
  await redis?.stop();
});

function quota(name: string): KubeObject {
  return {
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaQuota',
    metadata: { name, namespace: 'agents' },
    spec: {
      selector: { podLabels: { app: name } },
      limits: [
        { window: 'hour', type: 'calendar', tokens: 100_000, costUSD: 10 },
        { window: 'minute', requests: 60 },
      ],
      // $1 and $2 per million tokens: 1,000 prompt + 500 completion tokens cost $0.002.
      models: { 'test-model': { inputPer1M: 1, outputPer1M: 2 } },
    },
  };
}

const ref = (name: string) => ({ ...SEMAMESH_KINDS.SemaQuota, namespace: 'agents', name });
const listQuotas = () => client.list(SEMAMESH_KINDS.SemaQuota, { namespace: 'agents' });

interface Status {
  observedGeneration?: number;
  conditions?: { type: string; status: string; reason: string }[];
  usage?: QuotaUsage[];
}

/** Two requests through the shared store, as two waypoints would make them. */
async function spend(name: string, objs: KubeObject[]): Promise<void> {
  waypoint.setQuotas(objs as never);
  for (const requestId of ['r1', 'r2']) {
    const r = await waypoint.reserve({
      agent: { namespace: 'agents', pod: `${name}-0`, serviceAccount: 'bot', labels: { app: name } },
      model: 'test-model',
      promptTokens: 1000,
      maxTokens: 500,
      requestId: `${name}-${requestId}`,
    });
    assert.equal(r.ok, true);
    assert.equal(await waypoint.settle(r.id, { promptTokens: 1000, completionTokens: 500 }), 'settled');
  }
}

test('one tick writes tokens, cost and requests per window and leaves Ready alone', async () => {
  await client.create(quota('team-budget'));
  // What the policy reconciler writes.
  const ready = {
    type: 'Ready',
    status: 'True',
    reason: 'Compiled',
    message: 'quota compiled into bundle sha256-0',
    lastTransitionTime: '2026-01-01T00:00:00Z',
    observedGeneration: 1,
  };
  await client.patchStatus(ref('team-budget'), { observedGeneration: 1, conditions: [ready] });
  await spend('team-budget', [quota('team-budget')]);

  let leading = false;
  const reporter = new QuotaUsageReporter({
    client,
    redis: { url: redis.url },
    quotas: listQuotas,
    isLeader: () => leading,
    log: quiet,
  });
  try {
    const standby = await reporter.tick();
    assert.equal(standby.skipped, true);
    assert.equal(((await client.get(ref('team-budget'))).status as Status).usage, undefined);

    leading = true;
    const first = await reporter.tick();
    assert.deepEqual(first.errors, []);
    assert.deepEqual(first.written, ['agents/team-budget']);
    const s = (await client.get(ref('team-budget'))).status as Status;
    assert.deepEqual(s.conditions, [ready]);
    assert.equal(s.observedGeneration, 1);
    const hour = s.usage?.find((u) => u.window === 'hour');
    const minute = s.usage?.find((u) => u.window === 'minute');
    assert.equal(s.usage?.length, 2);
    assert.deepEqual(
      { tokens: hour?.tokens, requests: hour?.requests, cost: hour?.costUSD.toFixed(9) },
      { tokens: 3000, requests: 2, cost: '0.004000000' },
    );
    assert.equal(minute?.requests, 2);
    assert.equal(minute?.tokens, 3000);
    // Calendar hour: resets at the next full UTC hour.
    const reset = new Date(hour?.resetAt ?? '');
    assert.equal(reset.getUTCMinutes() + reset.getUTCSeconds() + reset.getUTCMilliseconds(), 0);

    const second = await reporter.tick();
    assert.deepEqual(second.written, [], 'unchanged usage is not written again');
    assert.deepEqual(second.unchanged, ['agents/team-budget']);
    assert.equal(reporter.writes, 1);
  } finally {
    await reporter.stop();
  }
});

test('a SemaClusterQuota reports the usage of agents of every namespace', async () => {
  const org: KubeObject = {
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaClusterQuota',
    metadata: { name: 'org-budget' },
    spec: { limits: [{ window: 'minute', requests: 60 }] },
  };
  await client.create(org);
  const shared = createBudgetEngine(
    { kind: 'redis', url: redis.url },
    { gcIntervalMs: 0, tenancy: 'namespaced' },
  );
  try {
    shared.setQuotas([org as never]);
    for (const namespace of ['team-a', 'team-b']) {
      const r = await shared.reserve({
        agent: { namespace, pod: `${namespace}-0` },
        model: 'test-model',
        promptTokens: 10,
        maxTokens: 10,
        requestId: `org-${namespace}`,
      });
      assert.equal(await shared.settle(r.id, { promptTokens: 10, completionTokens: 10 }), 'settled');
    }
  } finally {
    await shared.close();
  }
  const reporter = new QuotaUsageReporter({
    client,
    redis: { url: redis.url },
    quotas: async () => [...(await listQuotas()), ...(await client.list(SEMAMESH_KINDS.SemaClusterQuota))],
    isLeader: () => true,
    log: quiet,
  });
  try {
    const t = await reporter.tick();
    assert.ok(t.written.includes('org-budget'), JSON.stringify(t));
    const usage = (
      (await client.get({ ...SEMAMESH_KINDS.SemaClusterQuota, name: 'org-budget' })).status as Status
    ).usage;
    assert.equal(usage?.find((u) => u.window === 'minute')?.requests, 2);
  } finally {
    await reporter.stop();
  }
});

test('an unreachable store is reported by the tick and retried, never thrown', async () => {
  const reporter = new QuotaUsageReporter({
    client,
    redis: { url: 'redis://127.0.0.1:1', redis: { maxRetriesPerRequest: 0, connectTimeout: 500 } },
    quotas: listQuotas,
    isLeader: () => true,
    log: quiet,
  });
  try {
    const t = await reporter.tick();
    assert.equal(t.written.length, 0);
    assert.match(t.errors.join('\n'), /SM_ERR_QUOTA_STORE_IO|quota store/);
    const again = await reporter.tick();
    assert.equal(again.skipped, false, 'the next tick tries again');
  } finally {
    await reporter.stop();
  }
});

test('sameUsage ignores the moving resetAt of an empty rolling window only', () => {
  const u = (tokens: number, resetAt: string): QuotaUsage[] => [
    { window: 'minute', tokens, costUSD: 0, requests: tokens ? 1 : 0, resetAt },
  ];
  assert.equal(sameUsage(u(0, '2026-01-01T00:00:00Z'), u(0, '2026-01-01T00:00:15Z')), true);
  assert.equal(sameUsage(u(5, '2026-01-01T00:00:00Z'), u(5, '2026-01-01T00:00:15Z')), false);
  assert.equal(sameUsage(undefined, u(0, '2026-01-01T00:00:00Z')), false);
});

test('the controller reports usage with --redis-url and --quota-status-interval', async () => {
  const cfg = parseControllerArgs(['--redis-url', redis.url, '--quota-status-interval', '5']);
  assert.equal(cfg.redisUrl, redis.url);
  assert.equal(cfg.quotaStatusIntervalMs, 5000);
  assert.equal(parseControllerArgs([]).quotaStatusIntervalMs, 15_000);

  await client.create(quota('ctl-budget'));
  const ctl = await startController(
    testControllerConfig({ redisUrl: redis.url, quotaStatusIntervalMs: 50, watchNamespace: 'agents' }),
    { client: new K8sClient(api.kubeconfig), log: quiet },
  );
  try {
    await spend('ctl-budget', await listQuotas());
    const s = await waitFor('usage and Ready', async () => {
      const st = (await client.get(ref('ctl-budget'))).status as Status | undefined;
      const ok =
        st?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' &&
        st.usage?.find((u) => u.window === 'hour')?.tokens === 3000;
      return ok ? st : undefined;
    });
    assert.equal(s.observedGeneration, 1);
    assert.equal(s.usage?.find((u) => u.window === 'minute')?.requests, 2);
  } finally {
    await ctl.close();
  }
});
