// Controller figures: 1,000 SemaPolicies created at once against the in-repo API server → time to
// the first and last bundle publish, to all-Ready, how many compiles the debounce allowed, status
// writes, and RSS. Prints figures, no pass/fail.
// Usage: npx tsx bench/controller.ts [policies=1000] [debounceMs=150] [parallel=64]

import { startController } from '../controller/main.js';
import { testControllerConfig } from '../controller/testing.js';
import { K8sClient, type KubeObject } from '../kube/index.js';
import { startKubeApiServer } from '../test/kube-api-server/index.js';

const total = Number(process.argv[2] ?? 1000);
const debounceMs = Number(process.argv[3] ?? 150);
const parallel = Number(process.argv[4] ?? 64);
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MiB`;

const api = await startKubeApiServer({
  crds: true,
  namespaces: ['semamesh-system', 'bench'],
  watchHistorySize: 20_000,
  maxRecordedRequests: 1_000_000,
});
const client = new K8sClient(api.kubeconfig);
const rss0 = process.memoryUsage().rss;
const ctl = await startController(testControllerConfig({ debounceMs }), {
  client: new K8sClient(api.kubeconfig),
  log: () => {},
});

const policy = (i: number): KubeObject => ({
  apiVersion: 'semamesh.io/v1alpha1',
  kind: 'SemaPolicy',
  metadata: { name: `p-${i}`, namespace: 'bench' },
  spec: {
    rules: [
      {
        name: 'db',
        intentMatches: ['drop database', `delete table t${i}`],
        action: i % 3 ? 'BLOCK' : 'AUDIT',
        riskLevel: 'High',
      },
      { name: 'ns', intentMatches: ['delete namespace'], action: 'PAUSE', riskLevel: 'Critical' },
    ],
  },
});

const ready = () =>
  api.store
    .list('semamesh.io', 'semapolicies', 'bench')
    .filter((p) =>
      (p.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions?.some(
        (c) => c.type === 'Ready' && c.status === 'True',
      ),
    ).length;

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);

const t0 = Date.now();
let next = 0;
await Promise.all(
  Array.from({ length: parallel }, async () => {
    while (next < total) await client.create(policy(next++));
  }),
);
const created = Date.now() - t0;
let allReadyAt = 0;
for (;;) {
  if (ready() === total) {
    allReadyAt = Date.now();
    break;
  }
  if (Date.now() - t0 > 300_000) break;
  await new Promise((r) => setTimeout(r, 20));
}
clearInterval(sampler);
const c = ctl.manager.compiler;
const writes = api.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/status')).length;
console.log(`policies                 ${total} (2 rules each), created with ${parallel} requests in flight`);
console.log(`all created after        ${created} ms`);
console.log(`first bundle published   ${c.firstPublishAt ? c.firstPublishAt - t0 : '-'} ms`);
console.log(`last bundle published    ${c.lastPublishAt ? c.lastPublishAt - t0 : '-'} ms`);
console.log(
  `all Ready after          ${allReadyAt ? allReadyAt - t0 : 'not within 300 s'} ms (${ready()}/${total})`,
);
console.log(
  `compiles / publishes     ${c.compiles} / ${c.publishes} (debounce ${debounceMs} ms, max delay 2000 ms)`,
);
console.log(`status patches           ${writes} (${(writes / total).toFixed(2)} per policy)`);
console.log(`bundle size              ${ctl.bundles.get('semamesh')?.bytes.length ?? 0} bytes`);
console.log(
  `RSS                      before controller ${mb(rss0)}, peak ${mb(peakRss)}, end ${mb(process.memoryUsage().rss)} (API server in the same process)`,
);
await ctl.close();
await api.close();
