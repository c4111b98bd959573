// Issue 15, through the real waypoint: agents of two namespaces (told apart by their peer address,
// as the kernel-backed identity would) send real OpenAI requests to the mock LLM; tenant A's
// SemaQuota throttles only tenant A's agents and is never charged by tenant B's, while a
// SemaClusterQuota counts both. The shipped decision library and budget engine, SQLite store.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { SemaClusterQuota, SemaQuota } from '../api/index.js';
import { compileResources } from '../engine/index.js';
import { budgetBackend } from '../waypoint/filters/quota/budget-adapter.js';
import { loadWasmEngine } from '../waypoint/policy/wasm-engine.js';
import { type Stack, startStack } from '../waypoint/testing/harness.js';
import { QuotaBudgetEngine } from './engine.js';
import { SqliteQuotaStore } from './sqlite-store.js';

const QUOTAS: (SemaQuota | SemaClusterQuota)[] = [
  {
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaQuota',
    metadata: { name: 'budget', namespace: 'team-a' },
    spec: { limits: [{ window: 'minute', requests: 2 }] },
  },
  {
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaClusterQuota',
    metadata: { name: 'everyone' },
    spec: { limits: [{ window: 'minute', requests: 5 }] },
  },
];
/** Peer address → namespace: 127.0.0.2 is tenant A's agent, 127.0.0.3 tenant B's. */
const NAMESPACE_OF: Record<string, string> = { '127.0.0.2': 'team-a', '127.0.0.3': 'team-b' };

let dir: string;
let stack: Stack;
let budget: QuotaBudgetEngine;
const LOCAL = { a: '127.0.0.2', b: '127.0.0.3' };

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sm-tenant-wp-'));
  budget = new QuotaBudgetEngine({
    store: new SqliteQuotaStore({ path: join(dir, 'q.db') }),
    gcIntervalMs: 0,
  });
  budget.setQuotas(QUOTAS);
  const compiled = compileResources({ policies: [], quotas: QUOTAS }, { revision: 'tenant-quota' });
  assert.ok(compiled.bundle, 'the policy library compiles');
  stack = await startStack({
    engine: await loadWasmEngine(compiled.bundle),
    quota: budgetBackend(budget),
    identify: (info) => {
      const namespace = NAMESPACE_OF[info.remoteAddress.replace(/^::ffff:/, '')];
      return namespace ? { namespace, pod: `${namespace}-agent`, serviceAccount: 'agent' } : undefined;
    },
  });
});
after(async () => {
  await stack?.close();
  await budget?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A chat completion from the given agent's source address (node:http binds it; undici does not). */
function ask(who: 'a' | 'b'): Promise<{ status: number; refusedBy: string }> {
  const url = new URL(`${stack.url}/v1/chat/completions`);
  const body = JSON.stringify({
    model: 'gpt-4o-mini',
    max_tokens: 20,
    messages: [{ role: 'user', content: 'say hi' }],
  });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress: LOCAL[who],
        headers: {
          'content-type': 'application/json',
          authorization: 'Bearer k',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c) => {
          text += c;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, refusedBy: res.statusCode === 429 ? text : '' }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test("tenant A's quota throttles only tenant A; tenant B is never charged; the cluster quota counts both", async () => {
  for (let i = 0; i < 2; i++) assert.equal((await ask('b')).status, 200, `team-b request ${i}`);
  assert.equal((await ask('a')).status, 200);
  assert.equal((await ask('a')).status, 200);
  const third = await ask('a');
  assert.equal(third.status, 429);
  assert.match(third.refusedBy, /team-a\/budget/);
  // Team B is not held by team A's spent budget (a refused request is charged to nobody).
  assert.equal((await ask('b')).status, 200);
  // 3 (team-b) + 2 (team-a) = 5: the cluster-wide quota is spent for everyone.
  const shared = await ask('b');
  assert.equal(shared.status, 429);
  assert.match(shared.refusedBy, /quota everyone/);
  const used = Object.fromEntries(
    (await budget.status()).map((s) => [s.quota, s.windows[0].used.requests + s.windows[0].held.requests]),
  );
  assert.deepEqual(used, { 'team-a/budget': 2, everyone: 5 });
});
