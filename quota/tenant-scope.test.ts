// Issue 15: a namespaced SemaQuota charges and limits only agents of its own namespace, in the
// budget engine itself (not only in the compiled policy data); a SemaClusterQuota is shared by
// every namespace. Runs on both stores: SQLite and a real redis-server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SemaClusterQuota, SemaQuota, SemaQuotaSpec } from '../api/index.js';
import type { QuotaTenancy } from './compile-quotas.js';
import { QuotaBudgetEngine } from './engine.js';
import { RedisQuotaStore } from './redis-store.js';
import type { AgentRef } from './selector.js';
import { SqliteQuotaStore } from './sqlite-store.js';
import type { QuotaStore } from './store.js';
import { type RedisServer, redisServerPath, startRedis, T0 } from './test-support.js';

const hourly = (requests: number): SemaQuotaSpec => ({ limits: [{ window: 'hour', requests }] });
const nsQuota = (namespace: string, name: string, spec: SemaQuotaSpec): SemaQuota => ({
  apiVersion: 'semamesh.io/v1alpha1',
  kind: 'SemaQuota',
  metadata: { name, namespace },
  spec,
});
const clusterQuota = (name: string, spec: SemaQuotaSpec): SemaClusterQuota => ({
  apiVersion: 'semamesh.io/v1alpha1',
  kind: 'SemaClusterQuota',
  metadata: { name },
  spec,
});
const agentOf = (namespace: string): AgentRef => ({
  namespace,
  pod: `${namespace}-bot`,
  serviceAccount: 'bot',
  labels: { app: 'bot' },
});

/** Tenant A's quotas: its own budget, and one whose selector reaches into team-b (the attack). */
const TENANT_A = [
  nsQuota('team-a', 'budget', hourly(2)),
  nsQuota('team-a', 'starve-b', { ...hourly(0), selector: { namespaces: ['team-b'] } }),
  nsQuota('team-a', 'labels', { ...hourly(0), selector: { podLabels: { app: 'bot' } } }),
];

let redis: RedisServer | undefined;
const binary = redisServerPath();
before(async () => {
  if (binary) redis = await startRedis(binary);
});
after(async () => {
  await redis?.stop();
});

const stores: Record<string, (() => QuotaStore) | undefined> = {
  sqlite: () => new SqliteQuotaStore({ path: ':memory:' }),
  redis: binary
    ? () =>
        new RedisQuotaStore({ url: redis?.url ?? '', prefix: `{tenancy${process.pid}-${Math.random()}}:q:` })
    : undefined,
};

for (const [kind, open] of Object.entries(stores)) {
  describe(`tenant scope in the budget engine (${kind})`, {
    skip: open ? false : 'redis-server absent',
  }, () => {
    const engines: QuotaBudgetEngine[] = [];
    after(async () => {
      for (const e of engines.splice(0)) await e.close();
    });
    const engineWith = (quotas: (SemaQuota | SemaClusterQuota)[], tenancy?: QuotaTenancy) => {
      const engine = new QuotaBudgetEngine({ store: (open as () => QuotaStore)(), gcIntervalMs: 0, tenancy });
      engine.setQuotas(quotas);
      engines.push(engine);
      return engine;
    };
    let n = 0;
    const call = (engine: QuotaBudgetEngine, namespace: string) =>
      engine.reserve({
        agent: agentOf(namespace),
        model: 'gpt-4o-mini',
        promptTokens: 10,
        maxTokens: 10,
        requestId: `r${n++}`,
        now: T0,
      });

    test("tenant A's quotas neither throttle nor are consumed by tenant B's agents", async () => {
      const engine = engineWith(TENANT_A);
      for (let i = 0; i < 5; i++) {
        const r = await call(engine, 'team-b');
        assert.equal(r.ok, true, `team-b request ${i} refused by ${r.quota}`);
        assert.deepEqual(r.headers, {}, 'no quota of team-a applies to team-b');
      }
      const used = await engine.status(T0);
      for (const s of used)
        assert.equal(
          s.windows[0].used.requests + s.windows[0].held.requests,
          0,
          `${s.quota} was charged by team-b`,
        );
      // Tenant A's own agents are governed by its quotas ('labels' at 0 requests refuses at once).
      const own = await call(engine, 'team-a');
      assert.equal(own.ok, false);
      assert.equal(own.quota, 'team-a/labels');
    });

    test("tenant A's budget runs out for its agents only; a SemaClusterQuota is shared", async () => {
      const engine = engineWith([
        nsQuota('team-a', 'budget', hourly(2)),
        clusterQuota('everyone', hourly(6)),
      ]);
      assert.equal((await call(engine, 'team-a')).ok, true);
      assert.equal((await call(engine, 'team-a')).ok, true);
      const third = await call(engine, 'team-a');
      assert.equal(third.ok, false);
      assert.equal(third.quota, 'team-a/budget');
      for (let i = 0; i < 4; i++) assert.equal((await call(engine, 'team-b')).ok, true, `team-b ${i}`);
      // The cluster quota counted both namespaces: 2 + 4 = 6, so the next request of anyone is refused.
      const over = await call(engine, 'team-b');
      assert.equal(over.ok, false);
      assert.equal(over.quota, 'everyone');
      const status = Object.fromEntries((await engine.status(T0)).map((s) => [s.quota, s.windows[0]]));
      assert.equal(status['team-a/budget'].used.requests + status['team-a/budget'].held.requests, 2);
      assert.equal(status.everyone.used.requests + status.everyone.held.requests, 6);
    });

    test('single tenancy (local mode): every quota applies to every agent, as documented', async () => {
      const engine = engineWith([nsQuota('default', 'budget', hourly(1))], 'single');
      assert.equal((await call(engine, 'local')).ok, true);
      assert.equal((await call(engine, 'local')).ok, false);
    });
  });
}
