// The budget engine of a local or node waypoint: SQLite at ~/.semamesh/quota.db by default, Redis with
// --redis-url. The quota component (its SemaQuota compiler, the store drivers) is loaded only here,
// when some quota or store is configured: a waypoint without budgets starts without it.
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { SemaQuota } from '../../api/index.js';
import type { QuotaBudgetEngine, QuotaTenancy } from '../../quota/index.js';

/** Where local mode keeps budgets when no --quota-db is given. */
export function defaultQuotaDb(): string {
  return join(homedir(), '.semamesh', 'quota.db');
}

/**
 * The budget engine for --quota-db / --redis-url (SQLite at ~/.semamesh/quota.db by default).
 * `single` tenancy is local mode's; on a node (--node-name) a SemaQuota charges only its namespace.
 */
export async function openBudgetEngine(
  opts: { quotaDb?: string; redisUrl?: string },
  quotas: SemaQuota[],
  tenancy: QuotaTenancy = 'single',
): Promise<QuotaBudgetEngine> {
  const { createBudgetEngine } = await import('../../quota/index.js');
  let engine: QuotaBudgetEngine;
  if (opts.redisUrl) engine = createBudgetEngine({ kind: 'redis', url: opts.redisUrl }, { tenancy });
  else {
    const path = opts.quotaDb ?? defaultQuotaDb();
    mkdirSync(dirname(path), { recursive: true });
    engine = createBudgetEngine({ kind: 'sqlite', path }, { tenancy });
  }
  engine.setQuotas(quotas);
  return engine;
}
