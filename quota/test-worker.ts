// Child process for the multi-process SQLite tests: hammers a shared quota database with reserves,
// or reserves and settles in a loop reporting each settle that returned (for the kill -9 test).
// Usage: node --import tsx quota/test-worker.ts <db> hammer <count> | settle-loop
import { QuotaBudgetEngine } from './engine.js';
import { SqliteQuotaStore } from './sqlite-store.js';
import { agent, quota } from './test-support.js';

const [db, mode, countArg] = process.argv.slice(2);
const engine = new QuotaBudgetEngine({ store: new SqliteQuotaStore({ path: db }), gcIntervalMs: 0 });

async function main(): Promise<void> {
  if (mode === 'hammer') {
    engine.setQuotas([quota('team', { limits: [{ window: 'hour', tokens: 20_000 }] })]);
    // Wait for the parent's go so both processes really run at the same time.
    process.stdout.write('ready\n');
    await new Promise((resolve) => process.stdin.once('data', resolve));
    process.stdin.destroy();
    let admitted = 0;
    for (let i = 0; i < Number(countArg); i++) {
      const r = await engine.reserve({
        agent: agent(),
        model: 'gpt-4o',
        promptTokens: 100,
        maxTokens: 100,
        requestId: `${process.pid}-${i}`,
      });
      if (r.ok) admitted++;
      // Paced (~1 ms a request) so the two processes' reservations interleave instead of one finishing first.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    process.stdout.write(`${JSON.stringify({ admitted })}\n`);
    await engine.close();
    return;
  }
  if (mode === 'settle-loop') {
    engine.setQuotas([quota('team', { limits: [{ window: 'day', tokens: 1_000_000_000 }] })]);
    for (let i = 0; ; i++) {
      const r = await engine.reserve({
        agent: agent(),
        model: 'gpt-4o',
        promptTokens: 10,
        maxTokens: 50,
        requestId: `s${i}`,
      });
      const tokens = 10 + (i % 40);
      await engine.settle(r.id, { promptTokens: 10, completionTokens: tokens - 10 });
      // Written only after settle returned: every line the parent reads is a committed settle.
      process.stdout.write(`settled ${tokens}\n`);
    }
  }
  throw new Error(`unknown mode ${mode}`);
}

await main();
