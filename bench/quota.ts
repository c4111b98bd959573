// Added latency per LLM request of the budget engine (reserve + settle) on the SQLite and Redis
// stores, sequential and at concurrency 32, against a no-op baseline; prints p50/p99 in µs.
// Usage: npx tsx bench/quota.ts [requests=5000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QuotaBudgetEngine, RedisQuotaStore, SqliteQuotaStore } from '../quota/index.js';
import type { QuotaStore } from '../quota/store.js';
import { agent, quota, redisServerPath, startRedis } from '../quota/test-support.js';

const total = Number(process.argv[2] ?? 5000);
const dir = mkdtempSync(join(tmpdir(), 'sm-quota-bench-'));

const QUOTAS = [
  quota('team', {
    limits: [
      { window: 'minute', tokens: 1e12 },
      { window: 'day', tokens: 1e12, costUSD: 1e6 },
      { window: 'month', type: 'calendar', costUSD: 1e7, requests: 1e9 },
    ],
    loopDetection: { window: '5m', maxIdenticalPrompts: 1000, maxIdenticalToolCalls: 1000 },
  }),
];

type Op = (i: number) => Promise<void>;

function engineOp(engine: QuotaBudgetEngine): Op {
  const a = agent();
  return async (i) => {
    const r = await engine.reserve({
      agent: a,
      model: 'gpt-4o-2024-08-06',
      promptTokens: 800,
      maxTokens: 400,
      requestId: `b${i}`,
      fingerprint: {
        prompt: `summarize ticket ${i % 50}`,
        toolCalls: [{ name: 'shell', arguments: { cmd: `ls ${i % 7}` } }],
      },
    });
    if (!r.ok) throw new Error(`bench budget refused: ${r.action}`);
    await engine.settle(r.id, { promptTokens: 800, completionTokens: 120, cachedTokens: 200 });
  };
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function measure(
  op: Op,
  concurrency: number,
): Promise<{ p50: number; p99: number; opsPerSec: number }> {
  for (let i = 0; i < Math.min(200, total / 10); i++) await op(-i - 1);
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const s = process.hrtime.bigint();
        await op(i);
        lat.push(Number(process.hrtime.bigint() - s) / 1000);
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { p50: pct(lat, 50), p99: pct(lat, 99), opsPerSec: total / secs };
}

async function withEngine(store: QuotaStore | undefined, run: (op: Op) => Promise<void>): Promise<void> {
  const engine = new QuotaBudgetEngine({
    store: store ?? new SqliteQuotaStore({ path: ':memory:' }),
    gcIntervalMs: 0,
  });
  if (store) engine.setQuotas(QUOTAS);
  await run(engineOp(engine));
  await engine.close();
}

const rows: string[][] = [['case', 'concurrency', 'p50 µs', 'p99 µs', 'req/s']];
async function bench(name: string, makeOp: (run: (op: Op) => Promise<void>) => Promise<void>) {
  for (const c of [1, 32])
    await makeOp(async (op) => {
      const m = await measure(op, c);
      rows.push([name, String(c), m.p50.toFixed(1), m.p99.toFixed(1), m.opsPerSec.toFixed(0)]);
    });
}

await bench('baseline: no-op (two awaits)', async (run) => run(async () => {}));
await bench('engine, no quota selects the agent', (run) => withEngine(undefined, run));
await bench('sqlite file, synchronous=NORMAL', (run) =>
  withEngine(new SqliteQuotaStore({ path: join(dir, `n${Math.random()}.db`) }), run),
);
await bench('sqlite file, synchronous=FULL', (run) =>
  withEngine(new SqliteQuotaStore({ path: join(dir, `f${Math.random()}.db`), synchronous: 'FULL' }), run),
);
const binary = redisServerPath();
if (binary) {
  const server = await startRedis(binary);
  let n = 0;
  await bench('redis (local redis-server, 1 connection)', (run) =>
    withEngine(new RedisQuotaStore({ url: server.url, prefix: `{b${n++}}:` }), run),
  );
  await server.stop();
} else rows.push(['redis: redis-server not installed', '-', '-', '-', '-']);
rmSync(dir, { recursive: true, force: true });

console.log(`quota reserve + settle, ${total} requests per case (3 limits + loop detection per request)`);
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
for (const r of rows)
  console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
