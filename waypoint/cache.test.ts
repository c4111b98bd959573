// The response cache through the waypoint: hits replay without calling upstream yet still pass the
// policy, entries are scoped per agent, bypass rules (no-cache, stream, tools), only 200 replies are
// stored, hits are not charged to the budget; plus the LRU + TTL store on its own.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { SemaQuota } from '../api/index.js';
import { createBudgetEngine } from '../quota/index.js';
import { LruCache } from './filters/cache/lru.js';
import { budgetBackend } from './filters/quota/budget-adapter.js';
import type { QuotaOutcome } from './filters/quota/index.js';
import { intentEngine, type Stack, startStack } from './testing/harness.js';

/** Agents are told apart by a test header (the eBPF lookup does it in production). */
const byHeader = {
  identify: ({ headers }: { headers: Record<string, unknown> }) => ({
    namespace: 'agents',
    pod: String(headers['x-test-pod'] ?? 'bot-1'),
  }),
};

function chat(
  stack: Stack,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${stack.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer k', 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model: 'gpt-4o-mini', ...body }),
  });
}

const ask = (content: string, extra: Record<string, unknown> = {}) => ({
  messages: [{ role: 'user', content }],
  ...extra,
});

test('a repeated request is a hit: same body, no upstream call, counted in metrics', async () => {
  const stack = await startStack({ engine: intentEngine({}), cache: {}, ...byHeader });
  try {
    const first = await chat(stack, ask('what is a waypoint?'));
    assert.equal(first.headers.get('x-semamesh-cache'), 'miss');
    const a = await first.json();
    // Field order and `user` do not change the key.
    const second = await chat(stack, { user: 'someone', ...ask('what is a waypoint?') });
    assert.equal(second.status, 200);
    assert.equal(second.headers.get('x-semamesh-cache'), 'hit');
    assert.match(second.headers.get('age') ?? '', /^\d+$/);
    assert.deepEqual(await second.json(), a);
    assert.equal(stack.mock.requests.length, 1);
    // A parameter that changes the output is a different entry.
    const warmer = await chat(stack, ask('what is a waypoint?', { temperature: 1.5 }));
    assert.equal(warmer.headers.get('x-semamesh-cache'), 'miss');
    await warmer.body?.cancel();
    const metrics = await (await fetch(`${stack.adminUrl}/metrics`)).text();
    assert.match(metrics, /semamesh_waypoint_cache_requests_total\{result="hit"\} 1/);
    assert.match(metrics, /semamesh_waypoint_cache_requests_total\{result="miss"\} 2/);
  } finally {
    await stack.close();
  }
});

test('embeddings (passed through, not inspected) are cached too', async () => {
  const stack = await startStack({ engine: intentEngine({}), cache: {}, ...byHeader });
  try {
    const embed = () =>
      fetch(`${stack.url}/v1/embeddings`, {
        method: 'POST',
        headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'text-embedding-3-small', input: 'a sentence to embed' }),
      });
    const first = await embed();
    assert.equal(first.headers.get('x-semamesh-cache'), 'miss');
    const a = await first.json();
    const second = await embed();
    assert.equal(second.headers.get('x-semamesh-cache'), 'hit');
    assert.deepEqual(await second.json(), a);
    assert.equal(stack.mock.requests.length, 1);
  } finally {
    await stack.close();
  }
});

test('a hit still goes through the policy: a new bundle blocking the prompt refuses the cached reply', async () => {
  const stack = await startStack({ engine: intentEngine({}), cache: {}, ...byHeader });
  try {
    const first = await chat(stack, ask('drop the database please'));
    assert.equal(first.status, 200);
    await first.body?.cancel();
    stack.wp.holder.swap(intentEngine({ 'delete:database': 'BLOCK' }, 'test-2'));
    const again = await chat(stack, ask('drop the database please'));
    assert.equal(again.status, 403);
    assert.equal(again.headers.get('x-semamesh-error'), 'SM_ERR_WAYPOINT_POLICY_BLOCK');
    await again.body?.cancel();
    assert.equal(stack.mock.requests.length, 1);
  } finally {
    await stack.close();
  }
});

test('entries are per agent unless the cache is shared', async () => {
  const own = await startStack({ engine: intentEngine({}), cache: {}, ...byHeader });
  const shared = await startStack({ engine: intentEngine({}), cache: { shared: true }, ...byHeader });
  try {
    for (const [stack, second] of [
      [own, 'miss'],
      [shared, 'hit'],
    ] as const) {
      const a = await chat(stack, ask('list my secrets'), { 'x-test-pod': 'alice' });
      assert.equal(a.headers.get('x-semamesh-cache'), 'miss');
      await a.body?.cancel();
      const b = await chat(stack, ask('list my secrets'), { 'x-test-pod': 'bob' });
      assert.equal(b.headers.get('x-semamesh-cache'), second);
      await b.body?.cancel();
      const again = await chat(stack, ask('list my secrets'), { 'x-test-pod': 'alice' });
      assert.equal(again.headers.get('x-semamesh-cache'), 'hit');
      await again.body?.cancel();
    }
  } finally {
    await own.close();
    await shared.close();
  }
});

test('no-cache, streams and tool-using requests bypass the cache; only 200 replies are stored', async () => {
  const stack = await startStack({ engine: intentEngine({}), cache: {}, ...byHeader });
  try {
    const send = async (body: Record<string, unknown>, headers?: Record<string, string>) => {
      const res = await chat(stack, body, headers);
      await res.text();
      return res.headers.get('x-semamesh-cache');
    };
    const tools = [{ type: 'function', function: { name: 'sql', parameters: { type: 'object' } } }];
    for (let i = 0; i < 2; i++) {
      assert.equal(await send(ask('fresh please'), { 'cache-control': 'no-cache' }), 'bypass');
      assert.equal(await send(ask('stream it', { stream: true })), 'bypass');
      assert.equal(await send(ask('use a tool', { tools })), 'bypass');
    }
    assert.equal(stack.mock.requests.length, 6);

    stack.mock.script({ match: 'flaky', times: 1, reply: { status: 500, error: { message: 'boom' } } });
    const failed = await chat(stack, ask('flaky one'));
    assert.equal(failed.status, 500);
    await failed.body?.cancel();
    assert.equal(await send(ask('flaky one')), 'miss');
    assert.equal(await send(ask('flaky one')), 'hit');
  } finally {
    await stack.close();
  }
});

test('the tokens of a hit are not charged to the budget', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wp-cache-quota-'));
  const budget = createBudgetEngine({ kind: 'sqlite', path: join(dir, 'q.db') }, { gcIntervalMs: 0 });
  const quota: SemaQuota = {
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaQuota',
    metadata: { name: 'tokens', namespace: 'agents' },
    spec: { limits: [{ window: 'hour', tokens: 1_000_000 }] },
  };
  budget.setQuotas([quota]);
  const finished: QuotaOutcome[] = [];
  const stack = await startStack({
    engine: intentEngine({}),
    cache: {},
    quota: budgetBackend(budget, { onFinish: (_c, o) => finished.push(o) }),
    ...byHeader,
  });
  try {
    const first = await chat(stack, ask('cache and budget'));
    const usage = ((await first.json()) as { usage: { total_tokens: number } }).usage;
    const hit = await chat(stack, ask('cache and budget'));
    assert.equal(hit.headers.get('x-semamesh-cache'), 'hit');
    // Rate-limit headers are on hits too.
    assert.ok(hit.headers.get('x-ratelimit-remaining-tokens'));
    await hit.body?.cancel();
    for (let i = 0; i < 2000 && finished.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(
      finished.map((f) => (f.kind === 'release' ? f.reason : f.kind)),
      ['settle', 'cache-hit'],
    );
    const [status] = await budget.status();
    assert.equal(status.windows[0].used.tokens, usage.total_tokens);
    assert.equal(status.windows[0].held.tokens, 0);
  } finally {
    await stack.close();
    await budget.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the LRU store evicts the least recently used entry and expires entries after the TTL', () => {
  let now = 1000;
  const lru = new LruCache<string>({ maxEntries: 2, ttlMs: 100, clock: () => now });
  lru.set('a', 'A', 1);
  lru.set('b', 'B', 1);
  assert.equal(lru.get('a')?.value, 'A'); // a is now the most recent
  lru.set('c', 'C', 1);
  assert.equal(lru.get('b'), undefined, 'b was the least recently used');
  assert.equal(lru.get('c')?.value, 'C');
  now += 100;
  assert.equal(lru.get('a'), undefined, 'expired at the TTL');
  assert.equal(lru.size, 1);

  const small = new LruCache<string>({ maxBytes: 10 });
  assert.equal(small.set('big', 'x', 11), false);
  small.set('one', 'x', 6);
  small.set('two', 'y', 6);
  assert.equal(small.get('one'), undefined, 'the byte budget evicts too');
  assert.equal(small.totalBytes, 6);
});
