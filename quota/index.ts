// Public entry of the quota component: the budget engine the waypoint's quota filter calls, its
// stores (SQLite, Redis), the price table and the helpers for loop fingerprints and headers.
import { type BudgetEngineOptions, QuotaBudgetEngine } from './engine.js';
import { RedisQuotaStore, type RedisStoreOptions } from './redis-store.js';
import { SqliteQuotaStore, type SqliteStoreOptions } from './sqlite-store.js';

export type { QuotaTenancy } from './compile-quotas.js';
export { type BudgetEngineOptions, QuotaBudgetEngine } from './engine.js';
export { QUOTA_ERROR_CODES, QuotaError, type QuotaErrorCode } from './errors.js';
export {
  canonicalJson,
  normalizePrompt,
  promptFingerprint,
  type ToolCallRef,
  toolCallFingerprint,
} from './fingerprint.js';
export { formatResetDuration, rateLimitHeaders, type WindowView } from './headers.js';
export {
  canonicalModel,
  DEFAULT_PRICES,
  DEFAULT_UNKNOWN_PRICE,
  PRICE_TABLE_DATE,
  PriceBook,
  type PriceEntry,
  type ResolvedPrice,
} from './prices.js';
export { RedisQuotaStore, type RedisStoreOptions } from './redis-store.js';
export type { AgentRef } from './selector.js';
export { SqliteQuotaStore, type SqliteStoreOptions } from './sqlite-store.js';
export type { QuotaStore } from './store.js';
export type * from './types.js';

export type StoreConfig = ({ kind: 'sqlite' } & SqliteStoreOptions) | ({ kind: 'redis' } & RedisStoreOptions);

/**
 * Opens a store and an engine over it: SQLite for local mode, Redis for budgets shared across nodes.
 * The waypoint's helper, so tenancy defaults to local mode's `single`; a node's waypoint passes
 * `namespaced` (the engine constructed directly defaults to `namespaced`).
 */
export function createBudgetEngine(
  store: StoreConfig,
  options: Omit<BudgetEngineOptions, 'store'> = {},
): QuotaBudgetEngine {
  const s = store.kind === 'sqlite' ? new SqliteQuotaStore(store) : new RedisQuotaStore(store);
  return new QuotaBudgetEngine({ tenancy: 'single', ...options, store: s });
}
