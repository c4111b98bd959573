// The behaviour tests every quota store must pass; sqlite-store.test.ts and redis-store.test.ts run
// this same suite against their store, so both enforce budgets identically.
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { SemaQuotaSpec } from '../api/index.js';
import { QuotaBudgetEngine } from './engine.js';
import type { QuotaStore } from './store.js';
import { agent, quota, T0 } from './test-support.js';

export interface StoreFactory {
  /** A fresh, empty store; `share` opens a second handle on the same data (another process's view). */
  open(): Promise<{ store: QuotaStore; share: () => QuotaStore }>;
}

export function storeSuite(name: string, factory: StoreFactory): void {
  // Engines a test opened; closed after each test even when an assertion failed, so a failing test
  // cannot leave a Redis connection holding the process open.
  const opened: QuotaBudgetEngine[] = [];
  afterEach(async () => {
    for (const e of opened.splice(0)) await e.close().catch(() => undefined);
  });
  async function setup(specs: Record<string, SemaQuotaSpec>, ttlMs?: number) {
    const { store, share } = await factory.open();
    const engine = new QuotaBudgetEngine({ store, gcIntervalMs: 0, reservationTtlMs: ttlMs });
    opened.push(engine);
    engine.setQuotas(Object.entries(specs).map(([n, spec]) => quota(n, spec)));
    return { engine, share };
  }
  const req = (over: Partial<Parameters<QuotaBudgetEngine['reserve']>[0]> = {}) => ({
    agent: agent(),
    model: 'gpt-4o',
    promptTokens: 100,
    maxTokens: 100,
    requestId: 'r',
    now: T0,
    ...over,
  });

  describe(`${name}: budgets`, () => {
    test('1,000 concurrent reservations from two connections against a budget that fits 100 admit exactly 100', async () => {
      const { engine, share } = await setup({ team: { limits: [{ window: 'hour', tokens: 20_000 }] } });
      const second = new QuotaBudgetEngine({ store: share(), gcIntervalMs: 0 });
      second.setQuotas([quota('team', { limits: [{ window: 'hour', tokens: 20_000 }] })]);
      const results = await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          (i % 2 ? second : engine).reserve(req({ requestId: `r${i}`, now: T0 + (i % 7) })),
        ),
      );
      await second.close();
      const admitted = results.filter((r) => r.ok);
      const admittedTokens = admitted.length * 200;
      assert.ok(admittedTokens <= 20_000 + 200, `admitted ${admittedTokens} tokens`);
      assert.equal(admitted.length, 100);
      assert.ok(
        results.filter((r) => !r.ok).every((r) => r.action === 'THROTTLE' && r.headers['retry-after']),
      );
      await Promise.all(
        admitted.map((r) =>
          engine.settle(r.id, { promptTokens: 100, completionTokens: 10 }, { now: T0 + 10 }),
        ),
      );
      const [st] = await engine.status(T0 + 20);
      assert.equal(st.windows[0].used.tokens, 100 * 110);
      assert.equal(st.windows[0].held.tokens, 0);
      assert.equal(st.windows[0].used.requests, 100);
      await engine.close();
    });

    test('settle charges the real usage at the model price, with cached tokens cheaper, and frees the rest', async () => {
      const { engine } = await setup({ team: { limits: [{ window: 'day', tokens: 10_000, costUSD: 5 }] } });
      const r = await engine.reserve(req({ promptTokens: 1000, maxTokens: 4000 }));
      assert.ok(r.ok);
      assert.equal(r.remaining.tokens, 5000);
      // gpt-4o: $2.50 in, $1.25 cached in, $10 out per 1M tokens.
      assert.equal(r.reserved?.costUSD, 0.0425);
      const state = await engine.settle(
        r.id,
        { promptTokens: 1000, completionTokens: 100, cachedTokens: 400, reasoningTokens: 20 },
        { now: T0 + 5 },
      );
      assert.equal(state, 'settled');
      const [st] = await engine.status(T0 + 10);
      assert.equal(st.windows[0].used.tokens, 1100);
      assert.equal(st.windows[0].used.costUSD, 0.003);
      assert.equal(st.windows[0].held.tokens, 0);
      assert.equal(st.windows[0].remaining.tokens, 8900);
      assert.equal(st.usage[0].window, 'day');
      assert.equal(
        await engine.settle(r.id, { promptTokens: 1000, completionTokens: 100 }, { now: T0 + 6 }),
        'already',
      );
      const [again] = await engine.status(T0 + 10);
      assert.equal(again.windows[0].used.tokens, 1100, 'a second settle charges nothing');
      await engine.close();
    });

    test('a stream cut mid-way is charged only what was streamed; a failed request nothing', async () => {
      const { engine } = await setup({
        team: { limits: [{ window: 'hour', tokens: 100_000, requests: 10 }] },
      });
      const cut = await engine.reserve(req({ promptTokens: 500, maxTokens: 8000 }));
      assert.equal(
        await engine.release(cut.id, { promptTokens: 500, completionTokens: 37 }, { now: T0 + 1 }),
        'settled',
      );
      const failed = await engine.reserve(req({ promptTokens: 500, maxTokens: 8000 }));
      assert.equal(await engine.release(failed.id, undefined, { now: T0 + 1 }), 'settled');
      const [st] = await engine.status(T0 + 2);
      assert.equal(st.windows[0].used.tokens, 537);
      assert.equal(st.windows[0].used.requests, 1);
      assert.equal(st.windows[0].held.tokens, 0);
      await engine.close();
    });

    test('a reservation spanning several quotas is all or nothing', async () => {
      const { engine } = await setup({
        wide: { limits: [{ window: 'hour', tokens: 1_000_000 }] },
        narrow: { selector: { podLabels: { app: 'bot' } }, limits: [{ window: 'minute', requests: 1 }] },
        other: { selector: { namespaces: ['elsewhere'] }, limits: [{ window: 'minute', requests: 0 }] },
      });
      assert.ok((await engine.reserve(req())).ok);
      const refused = await engine.reserve(req({ now: T0 + 10 }));
      assert.equal(refused.ok, false);
      assert.equal(refused.quota, 'agents/narrow');
      assert.equal(refused.window, 'minute');
      const status = await engine.status(T0 + 10);
      const wide = status.find((s) => s.quota === 'agents/wide')!;
      assert.equal(wide.windows[0].held.tokens, 200, 'the refused request holds nothing in the wide quota');
      const unlabeled = await engine.reserve(req({ agent: agent('bot-2', {}), now: T0 + 10 }));
      assert.ok(unlabeled.ok, 'the narrow quota does not select an agent without the label');
      await engine.close();
    });

    test('onExceed decides the action; a request larger than the limit is refused as too large', async () => {
      const { engine } = await setup({
        team: { onExceed: 'BLOCK', limits: [{ window: 'day', type: 'calendar', tokens: 150 }] },
      });
      const r = await engine.reserve(req());
      assert.equal(r.ok, false);
      assert.equal(r.action, 'BLOCK');
      assert.equal(r.reason, 'too-large');
      assert.equal(r.retryAfterSeconds, 12 * 3600);
      await engine.close();
    });

    test('expired reservations free their budget; a late settle is still charged', async () => {
      const { engine } = await setup({ team: { limits: [{ window: 'hour', tokens: 200 }] } }, 1000);
      const first = await engine.reserve(req());
      assert.ok(first.ok);
      assert.equal((await engine.reserve(req({ now: T0 + 500 }))).ok, false);
      const after = await engine.reserve(req({ now: T0 + 1500 }));
      assert.ok(after.ok, 'the unsettled reservation expired after its TTL');
      assert.equal(
        await engine.settle(first.id, { promptTokens: 10, completionTokens: 0 }, { now: T0 + 1600 }),
        'late',
      );
      const [st] = await engine.status(T0 + 1600);
      assert.equal(st.windows[0].used.tokens, 10);
      assert.equal(st.windows[0].held.tokens, 200);
      assert.equal(engine.stats().lateSettles, 1);
      await engine.close();
    });

    test('another engine on the same store settles a reservation it did not make', async () => {
      const { engine, share } = await setup({ team: { limits: [{ window: 'hour', tokens: 10_000 }] } });
      const other = new QuotaBudgetEngine({ store: share(), gcIntervalMs: 0 });
      const r = await engine.reserve(req());
      assert.equal(
        await other.settle(r.id, { promptTokens: 100, completionTokens: 1 }, { now: T0 + 1 }),
        'settled',
      );
      assert.equal(await other.settle('no-such-id', { promptTokens: 1, completionTokens: 1 }), 'unknown');
      const [st] = await engine.status(T0 + 2);
      assert.equal(st.windows[0].used.tokens, 101);
      await other.close();
      await engine.close();
    });
  });

  describe(`${name}: windows`, () => {
    test('a rolling window forgets usage once it is older than the window', async () => {
      const { engine } = await setup({ team: { limits: [{ window: 'minute', requests: 2 }] } });
      const a = await engine.reserve(req({ now: T0 }));
      await engine.settle(a.id, { promptTokens: 1, completionTokens: 1 }, { now: T0 });
      assert.ok((await engine.reserve(req({ now: T0 + 1000 }))).ok);
      const refused = await engine.reserve(req({ now: T0 + 2000 }));
      assert.equal(refused.ok, false);
      // The first request's bucket (T0) leaves the window at T0 + 61 s.
      assert.equal(refused.retryAfterSeconds, 59);
      assert.equal(refused.headers['retry-after'], '59');
      assert.equal((await engine.reserve(req({ now: T0 + 60_500 }))).ok, false, 'still inside the window');
      assert.ok((await engine.reserve(req({ now: T0 + 61_000 }))).ok, 'rolled over');
      await engine.close();
    });

    test('a calendar window resets at the UTC boundary', async () => {
      const { engine } = await setup({
        team: { limits: [{ window: 'minute', type: 'calendar', requests: 1 }] },
      });
      const at = T0 + 58_000;
      const a = await engine.reserve(req({ now: at }));
      await engine.settle(a.id, { promptTokens: 1, completionTokens: 1 }, { now: at });
      const refused = await engine.reserve(req({ now: T0 + 59_000 }));
      assert.equal(refused.ok, false);
      assert.equal(refused.retryAfterSeconds, 1);
      assert.equal(refused.remaining.resetAt, new Date(T0 + 60_000).toISOString());
      assert.ok((await engine.reserve(req({ now: T0 + 60_000 }))).ok);
      await engine.close();
    });

    test('a calendar month resets on the first of the next month', async () => {
      const { engine } = await setup({
        team: { limits: [{ window: 'month', type: 'calendar', costUSD: 0.01 }] },
      });
      const end = Date.UTC(2026, 0, 31, 23, 59, 0);
      const a = await engine.reserve(req({ now: end, promptTokens: 1000, maxTokens: 500 }));
      assert.ok(a.ok);
      await engine.settle(a.id, { promptTokens: 1000, completionTokens: 500 }, { now: end });
      const refused = await engine.reserve(req({ now: end + 1000, promptTokens: 1000, maxTokens: 500 }));
      assert.equal(refused.ok, false);
      assert.equal(refused.retryAfterSeconds, 59);
      assert.ok(
        (await engine.reserve(req({ now: Date.UTC(2026, 1, 1), promptTokens: 1000, maxTokens: 500 }))).ok,
      );
      await engine.close();
    });
  });

  describe(`${name}: prices, loops, headers`, () => {
    test('an unknown model uses the default price and is reported', async () => {
      const { engine } = await setup({ team: { limits: [{ window: 'hour', costUSD: 100 }] } });
      const r = await engine.reserve(
        req({ model: 'mystery-model-9', promptTokens: 1_000_000, maxTokens: 0 }),
      );
      assert.equal(r.reserved?.costUSD, 15);
      const known = await engine.reserve(
        req({ model: 'openai/gpt-4o-mini-2024-07-18', promptTokens: 1_000_000, maxTokens: 0 }),
      );
      assert.equal(known.reserved?.costUSD, 0.15);
      assert.equal(engine.stats().unknownModelRequests, 1);
      const [st] = await engine.status(T0);
      assert.deepEqual(
        st.unknownModels.map((u) => [u.model, u.count]),
        [['mystery-model-9', 1]],
      );
      await engine.close();
    });

    test('spec.models overrides the table, and defaultMaxTokens is what a request without max_tokens reserves', async () => {
      const { engine } = await setup({
        team: {
          limits: [{ window: 'hour', tokens: 1_000_000 }],
          models: { 'gpt-4o': { inputPer1M: 1, outputPer1M: 2 } },
          defaultMaxTokens: 1000,
        },
      });
      const r = await engine.reserve(req({ maxTokens: undefined, promptTokens: 1000 }));
      assert.equal(r.reserved?.tokens, 2000);
      assert.equal(r.reserved?.costUSD, 0.003);
      await engine.close();
    });

    test('identical prompts: AUDIT at warnAt, THROTTLE at the critical threshold, free again after the window', async () => {
      const loopDetection = { window: '1m', maxIdenticalPrompts: 3, maxIdenticalToolCalls: 5, warnAt: 2 };
      const { engine } = await setup({ team: { limits: [], loopDetection } });
      const ask = (now: number, prompt = 'Delete   the old pods') =>
        engine.reserve(req({ now, fingerprint: { prompt } }));
      const first = await ask(T0);
      assert.ok(first.ok);
      assert.equal(first.action, undefined);
      const second = await ask(T0 + 1000, 'delete the OLD pods');
      assert.equal(second.ok, true);
      assert.equal(second.action, 'AUDIT');
      assert.equal(second.loop?.kind, 'prompt');
      assert.equal(second.loop?.count, 2);
      const third = await ask(T0 + 2000);
      assert.equal(third.ok, false);
      assert.equal(third.action, 'THROTTLE');
      assert.equal(third.reason, 'loop');
      assert.equal(third.loop?.level, 'critical');
      assert.ok((await ask(T0 + 3000, 'something else')).ok);
      const later = await ask(T0 + 60_500);
      assert.equal(later.ok, true, 'the prompt at T0 left the window; the refused one was never recorded');
      assert.equal(later.action, 'AUDIT');
      const quiet = await ask(T0 + 122_000);
      assert.equal(quiet.ok, true);
      assert.equal(quiet.action, undefined);
      await engine.close();
    });

    test('identical tool calls (argument order aside) reach PAUSE; other agents are not affected', async () => {
      const loopDetection = {
        window: '5m',
        maxIdenticalPrompts: 10,
        maxIdenticalToolCalls: 3,
        action: 'PAUSE' as const,
      };
      const { engine } = await setup({
        team: { limits: [{ window: 'hour', tokens: 1_000_000 }], loopDetection },
      });
      const call = (now: number, args: string, pod = 'bot-1') =>
        engine.reserve(
          req({ now, agent: agent(pod), fingerprint: { toolCalls: [{ name: 'shell', arguments: args }] } }),
        );
      assert.ok((await call(T0, '{"cmd":"kubectl get pods","ns":"prod"}')).ok);
      assert.ok((await call(T0 + 1, '{"ns":"prod","cmd":"kubectl get pods"}')).ok);
      assert.ok((await call(T0 + 2, '{"cmd":"kubectl get pods","ns":"prod"}', 'bot-2')).ok);
      const third = await call(T0 + 3, '{ "ns": "prod", "cmd": "kubectl get pods" }');
      assert.equal(third.ok, false);
      assert.equal(third.action, 'PAUSE');
      assert.equal(third.loop?.kind, 'tool-call');
      const [st] = await engine.status(T0 + 4);
      assert.equal(st.windows[0].held.tokens, 3 * 200, 'the loop refusal reserved nothing');
      await engine.close();
    });

    test('ping-pong between two tool calls counts as a loop', async () => {
      const loopDetection = { window: '5m', maxIdenticalPrompts: 10, maxIdenticalToolCalls: 3, warnAt: 2 };
      const { engine } = await setup({ team: { limits: [], loopDetection } });
      const A = { name: 'read_file', arguments: { path: 'a.txt' } };
      const B = { name: 'write_file', arguments: { path: 'a.txt', text: 'x' } };
      const seq = [A, B, A, B, A];
      const results = [];
      for (const [i, c] of seq.entries())
        results.push(await engine.reserve(req({ now: T0 + i * 1000, fingerprint: { toolCalls: [c] } })));
      assert.deepEqual(
        results.map((r) => [r.ok, r.action ?? '', r.loop?.kind ?? '']),
        [
          [true, '', ''],
          [true, '', ''],
          [true, 'AUDIT', 'tool-call'],
          [true, 'AUDIT', 'ping-pong'],
          [false, 'THROTTLE', 'ping-pong'],
        ],
      );
      await engine.close();
    });

    test('every response carries IETF RateLimit and OpenAI x-ratelimit headers', async () => {
      const { engine } = await setup({
        team: {
          selector: { namespaces: ['agents'] },
          limits: [
            { window: 'minute', tokens: 1000, requests: 10 },
            { window: 'day', type: 'calendar', costUSD: 1 },
          ],
        },
      });
      const r = await engine.reserve(req());
      assert.equal(
        r.headers['ratelimit-policy'],
        '"team-minute-tokens";q=1000;w=60;qu="token", "team-minute-requests";q=10;w=60;qu="request", ' +
          '"team-day-cal-cost";q=1000000;w=86400;qu="usd-micro"',
      );
      assert.equal(
        r.headers.ratelimit,
        '"team-minute-tokens";r=800;t=61, "team-minute-requests";r=9;t=61, "team-day-cal-cost";r=998750;t=43200',
      );
      assert.equal(r.headers['x-ratelimit-limit-tokens'], '1000');
      assert.equal(r.headers['x-ratelimit-remaining-tokens'], '800');
      assert.equal(r.headers['x-ratelimit-reset-tokens'], '1m1s');
      assert.equal(r.headers['x-ratelimit-limit-requests'], '10');
      assert.equal(r.headers['x-ratelimit-remaining-requests'], '9');
      assert.equal(r.headers['retry-after'], undefined);
      const free = await engine.reserve(req({ agent: { namespace: 'x', pod: 'p' } }));
      assert.deepEqual(free.headers, {}, 'no quota selects this agent');
      await engine.close();
    });
  });
}
