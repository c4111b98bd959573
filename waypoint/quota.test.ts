// The quota filter end to end with the real budget engine (SQLite and Redis stores) behind the
// budget adapter, a compiled policy bundle deciding from `input.quota`, the mock LLM upstream and
// the real OpenAI client: 429s with rate-limit headers, settle on the provider's usage, and a
// cut stream charged only what was streamed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { SemaQuota } from '../api/index.js';
import { compileResources } from '../engine/index.js';
import { createBudgetEngine, type QuotaBudgetEngine, type QuotaStatus } from '../quota/index.js';
import { type RedisServer, redisServerPath, startRedis } from '../quota/test-support.js';
import { budgetBackend } from './filters/quota/budget-adapter.js';
import type { QuotaOutcome } from './filters/quota/index.js';
import { loadWasmEngine } from './policy/wasm-engine.js';
import { auditRecord, type Stack, startStack } from './testing/harness.js';

function semaQuota(name: string, spec: SemaQuota['spec']): SemaQuota {
  return {
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaQuota',
    metadata: { name, namespace: 'agents' },
    spec,
  };
}

/** The shipped decision entrypoint, compiled with no SemaPolicy: only the quota verdict can refuse. */
async function quotaPolicyEngine() {
  const compiled = compileResources({ policies: [] }, { revision: 'quota-test' });
  assert.ok(compiled.bundle, 'the policy library compiles');
  return loadWasmEngine(compiled.bundle);
}

interface QuotaStack extends Stack {
  engine: QuotaBudgetEngine;
  finished: QuotaOutcome[];
  /** Resolves when `n` exchanges have been settled or released. */
  settled(n: number): Promise<void>;
  status(): Promise<QuotaStatus>;
}

async function quotaStack(engine: QuotaBudgetEngine, quotas: SemaQuota[]): Promise<QuotaStack> {
  engine.setQuotas(quotas);
  const finished: QuotaOutcome[] = [];
  const stack = await startStack({
    engine: await quotaPolicyEngine(),
    quota: budgetBackend(engine, { onFinish: (_ctx, outcome) => finished.push(outcome) }),
  });
  return {
    ...stack,
    engine,
    finished,
    async settled(n) {
      for (let i = 0; i < 4000 && finished.length < n; i++) await new Promise((r) => setTimeout(r, 5));
      assert.ok(finished.length >= n, `expected ${n} settled exchanges, got ${finished.length}`);
    },
    async status() {
      const all = await engine.status();
      return all[0];
    },
    async close() {
      await stack.close();
      await engine.close();
    },
  };
}

function client(url: string): OpenAI {
  return new OpenAI({ baseURL: `${url}/v1`, apiKey: 'k', maxRetries: 0 });
}

/** A budget of 3 requests a minute (and plenty of tokens): the 4th is refused by the policy. */
async function fourthIsThrottled(s: QuotaStack): Promise<void> {
  const openai = client(s.url);
  const ask = () =>
    openai.chat.completions
      .create({ model: 'gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content: 'say hi' }] })
      .withResponse();
  for (let i = 0; i < 3; i++) {
    const { data, response } = await ask();
    assert.match(data.choices[0].message.content ?? '', /Mock reply/);
    // Rate-limit headers on every response, successes included.
    assert.equal(response.headers.get('x-ratelimit-limit-requests'), '3');
    assert.equal(response.headers.get('x-ratelimit-remaining-requests'), String(2 - i));
    assert.match(response.headers.get('ratelimit-policy') ?? '', /"budget-minute-requests";q=3;w=60/);
    assert.match(
      response.headers.get('ratelimit') ?? '',
      new RegExp(`"budget-minute-requests";r=${2 - i};t=\\d+`),
    );
  }
  await assert.rejects(ask(), (err: unknown) => {
    assert.ok(err instanceof OpenAI.RateLimitError, `expected a RateLimitError, got ${String(err)}`);
    assert.equal(err.status, 429);
    assert.ok(Number(err.headers?.get('retry-after')) >= 1);
    assert.equal(err.headers?.get('x-ratelimit-remaining-requests'), '0');
    assert.match(err.headers?.get('ratelimit-policy') ?? '', /q=3;w=60/);
    assert.equal(err.headers?.get('x-semamesh-error'), 'SM_ERR_WAYPOINT_THROTTLED');
    // The provider's error shape, naming the quota the policy refused on.
    const body = err.error as { type?: string; code?: string; message?: string };
    assert.equal(body.type, 'rate_limit_error');
    assert.match(err.message, /agents\/budget/);
    return true;
  });
  assert.equal(s.mock.requests.length, 3, 'the refused request never reached the provider');
}

const BUDGET = semaQuota('budget', { limits: [{ window: 'minute', requests: 3, tokens: 1_000_000 }] });

describe('quota with the SQLite store', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wp-quota-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const sqlite = (name: string) =>
    createBudgetEngine({ kind: 'sqlite', path: join(dir, `${name}.db`) }, { gcIntervalMs: 0 });

  test('a budget that fits 3 requests answers the 4th with 429 and rate-limit headers', async () => {
    const s = await quotaStack(sqlite('fits3'), [BUDGET]);
    try {
      await fourthIsThrottled(s);
    } finally {
      await s.close();
    }
  });

  test('settle charges the usage the mock LLM reported, for JSON and for streams', async () => {
    const s = await quotaStack(sqlite('usage'), [
      semaQuota('tokens', { limits: [{ window: 'hour', tokens: 1_000_000 }] }),
    ]);
    try {
      const openai = client(s.url);
      const plain = await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'tell me about quotas' }],
      });
      await s.settled(1);
      assert.equal(s.finished[0].kind, 'settle');
      let st = await s.status();
      assert.equal(st.windows[0].used.tokens, plain.usage?.total_tokens);
      assert.equal(st.windows[0].held.tokens, 0);

      // A stream: the waypoint asked for include_usage upstream; the final usage chunk is settled.
      const stream = await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        stream: true,
        messages: [{ role: 'user', content: 'stream about budgets please' }],
      });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      assert.match(text, /Mock reply/);
      await s.settled(2);
      const upstream = s.mock.requests.at(-1) as { body?: { messages?: unknown } } | undefined;
      assert.ok(upstream);
      st = await s.status();
      const streamed = st.windows[0].used.tokens - (plain.usage?.total_tokens ?? 0);
      // Same usage the mock reports for this prompt and reply when asked without streaming.
      const same = await fetch(`${s.mock.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'stream about budgets please' }],
        }),
      }).then((r) => r.json() as Promise<{ usage: { total_tokens: number } }>);
      assert.equal(streamed, same.usage.total_tokens);
      assert.deepEqual(
        s.finished.map((f) => f.kind),
        ['settle', 'settle'],
      );
    } finally {
      await s.close();
    }
  });

  test('a stream the client aborts mid-way is charged only what was streamed', async () => {
    const s = await quotaStack(sqlite('cut'), [
      semaQuota('tokens', { limits: [{ window: 'hour', tokens: 1_000_000 }] }),
    ]);
    try {
      const words = Array.from({ length: 60 }, (_, i) => `word${i}`);
      s.mock.script({ match: 'long story', reply: { text: words.join(' '), chunkDelayMs: 15 } });
      const openai = client(s.url);
      const stream = await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        stream: true,
        max_tokens: 2000,
        messages: [{ role: 'user', content: 'tell me a long story' }],
      });
      let got = 0;
      for await (const chunk of stream) {
        if (chunk.choices[0]?.delta?.content) got++;
        if (got === 5) break; // leaving the loop aborts the request
      }
      await s.settled(1);
      const outcome = s.finished[0];
      assert.equal(outcome.kind, 'release');
      assert.ok(outcome.kind === 'release' && outcome.reason === 'aborted');
      const st = await s.status();
      const usage = outcome.usage;
      assert.ok(usage, 'a cut stream releases with the partial usage');
      assert.equal(st.windows[0].used.tokens, usage.promptTokens + usage.completionTokens);
      assert.equal(st.windows[0].held.tokens, 0, 'nothing stays reserved');
      // Streamed so far: at least what the client read, far below the whole reply or max_tokens.
      assert.ok(usage.completionTokens >= 5, `completion ${usage.completionTokens}`);
      assert.ok(usage.completionTokens < 60, `completion ${usage.completionTokens} < the whole reply`);
    } finally {
      await s.close();
    }
  });

  test('loop detection: the same tool call again and again is refused through the policy', async () => {
    const s = await quotaStack(sqlite('loop'), [
      semaQuota('loops', {
        limits: [{ window: 'hour', tokens: 1_000_000 }],
        loopDetection: { maxIdenticalPrompts: 50, maxIdenticalToolCalls: 3, warnAt: 2 },
      }),
    ]);
    try {
      const turn = (i: number) =>
        fetch(`${s.url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'gpt-4o-mini',
            messages: [
              { role: 'user', content: `check the pods, attempt ${i}` },
              {
                role: 'assistant',
                content: null,
                tool_calls: [
                  {
                    id: `c${i}`,
                    type: 'function',
                    function: { name: 'shell', arguments: '{"cmd":"kubectl get pods"}' },
                  },
                ],
              },
              { role: 'tool', tool_call_id: `c${i}`, content: 'no pods' },
            ],
          }),
        });
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 3; i++) {
        last = await turn(i);
        statuses.push(last.status);
        await auditRecord(s, last.headers.get('x-semamesh-request-id'));
        if (i < 2) await last.body?.cancel();
      }
      assert.deepEqual(statuses, [200, 200, 429]);
      // The second repetition reached warnAt: admitted, and the policy recorded it as AUDIT.
      const warned = s.audit.find((r) => (r.decision as { action?: string } | null)?.action === 'AUDIT');
      assert.ok(warned, 'an AUDIT decision for the loop warning');
      assert.equal(last?.headers.get('x-semamesh-loop'), 'tool-call');
      const body = (await last?.json()) as { error: { message: string } };
      assert.match(body.error.message, /loop detected: 3 identical tool calls/);
    } finally {
      await s.close();
    }
  });

  test('an upstream error releases the reservation without charging anything', async () => {
    const s = await quotaStack(sqlite('err'), [
      semaQuota('tokens', { limits: [{ window: 'hour', tokens: 1_000_000 }] }),
    ]);
    try {
      s.mock.script({ match: 'explode', reply: { status: 500, error: { message: 'boom' } } });
      await assert.rejects(
        client(s.url).chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'explode now' }],
        }),
        (err: unknown) => err instanceof OpenAI.InternalServerError,
      );
      await s.settled(1);
      assert.deepEqual(s.finished[0], { kind: 'release', reason: 'upstream-error' });
      const st = await s.status();
      assert.equal(st.windows[0].used.tokens, 0);
      assert.equal(st.windows[0].held.tokens, 0);
    } finally {
      await s.close();
    }
  });
});

const redisBinary = redisServerPath();
describe('quota with the Redis store', () => {
  let server: RedisServer | undefined;
  before(async () => {
    assert.ok(redisBinary, 'redis-server must be installed (apt-get install redis-server)');
    server = await startRedis(redisBinary);
  });
  after(async () => {
    await server?.stop();
  });

  test('a budget that fits 3 requests answers the 4th with 429 and rate-limit headers', async () => {
    const engine = createBudgetEngine(
      { kind: 'redis', url: server!.url, prefix: '{wp}:quota:' },
      { gcIntervalMs: 0 },
    );
    const s = await quotaStack(engine, [BUDGET]);
    try {
      await fourthIsThrottled(s);
    } finally {
      await s.close();
    }
  });
});
