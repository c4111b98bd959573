// Budget engine input handling (coded errors, never crashes) and the `semamesh quota status` table.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runQuotaStatus } from '../cli/commands/quota.js';
import { QuotaBudgetEngine } from './engine.js';
import { QUOTA_ERROR_CODES, QuotaError } from './errors.js';
import { SqliteQuotaStore } from './sqlite-store.js';
import { agent, quota, T0 } from './test-support.js';

const dir = mkdtempSync(join(tmpdir(), 'sm-quota-engine-'));
// Every engine is closed before exit (an open better-sqlite3 handle crashes Node 24 at teardown).
const engines: QuotaBudgetEngine[] = [];
after(async () => {
  for (const e of engines.splice(0)) await e.close();
  rmSync(dir, { recursive: true, force: true });
});

function engineAt(path = ':memory:') {
  const engine = new QuotaBudgetEngine({ store: new SqliteQuotaStore({ path }), gcIntervalMs: 0 });
  engines.push(engine);
  return engine;
}

test('an invalid SemaQuota is refused with one coded error naming every problem, keeping the old quotas', async () => {
  const engine = engineAt();
  engine.setQuotas([quota('ok', { limits: [{ window: 'hour', tokens: 10 }] })]);
  const bad = [
    quota('a', { limits: [{ window: 'hour' } as never, { window: 'fortnight' as never, tokens: 1 }] }),
    quota('b', { limits: [], models: { x: { inputPer1M: -1, outputPer1M: 1 } } }),
  ];
  assert.throws(
    () => engine.setQuotas(bad),
    (err: unknown) =>
      err instanceof QuotaError &&
      err.code === QUOTA_ERROR_CODES.INVALID_QUOTA &&
      /limits\[0\] needs at least one/.test(err.message) &&
      /fortnight|window must be/.test(err.message) &&
      /models\.x/.test(err.message),
  );
  const [st] = await engine.status(T0);
  assert.equal(st.quota, 'agents/ok');
  await engine.close();
});

test('malformed requests get SM_ERR_QUOTA_INVALID_REQUEST; a closed engine SM_ERR_QUOTA_CLOSED', async () => {
  const engine = engineAt();
  const base = { agent: agent(), model: 'gpt-4o', promptTokens: 1, requestId: 'x' };
  for (const bad of [
    { promptTokens: -1 },
    { promptTokens: 1.5 },
    { maxTokens: Number.NaN },
    { agent: undefined },
  ])
    await assert.rejects(engine.reserve({ ...base, ...bad } as never), {
      code: QUOTA_ERROR_CODES.INVALID_REQUEST,
    });
  const free = await engine.reserve(base);
  assert.equal(free.ok, true);
  assert.equal(await engine.settle(free.id, { promptTokens: 1, completionTokens: 1 }), 'none');
  await assert.rejects(engine.settle('x', { promptTokens: -5, completionTokens: 0 }), {
    code: QUOTA_ERROR_CODES.INVALID_REQUEST,
  });
  await engine.close();
  await assert.rejects(engine.reserve(base), { code: QUOTA_ERROR_CODES.CLOSED });
});

test('semamesh quota status prints a table from the database a waypoint wrote', async () => {
  const db = join(dir, 'status.db');
  const engine = engineAt(db);
  engine.setQuotas([
    quota('team', {
      limits: [
        { window: 'hour', tokens: 10_000 },
        { window: 'month', type: 'calendar', costUSD: 50 },
      ],
    }),
  ]);
  const r = await engine.reserve({
    agent: agent(),
    model: 'mystery',
    promptTokens: 100,
    maxTokens: 100,
    requestId: 'a',
  });
  await engine.settle(r.id, { promptTokens: 100, completionTokens: 20 });
  await engine.close();
  const out: string[] = [];
  const err: string[] = [];
  assert.equal(
    await runQuotaStatus({ db, output: 'table' }, { out: (l) => out.push(l), err: (l) => err.push(l) }),
    0,
  );
  assert.match(out[0], /^QUOTA\s+WINDOW\s+USED TOKENS\s+USED \$\s+HELD TOKENS\s+REMAINING\s+RESETS AT$/);
  assert.match(out[1], /^agents\/team\s+hour\s+120\s+\$0\.003\s+0\s+9880\/10000 tok\s+\d{4}-/);
  assert.match(out[2], /^agents\/team\s+month \(calendar\)\s+120\s+\$0\.003\s+0\s+\$49\.997\/\$50\.00/);
  assert.match(out[3], /model mystery has no price \(1 requests/);
  assert.equal(
    await runQuotaStatus(
      { db: join(dir, 'missing.db'), output: 'table' },
      { out: () => {}, err: (l) => err.push(l) },
    ),
    1,
  );
  assert.match(err[0], /^SM_ERR_QUOTA_STORE_OPEN: no quota database/);
});
