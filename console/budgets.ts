// Turns quota figures into the console's budget rows: from the budget engine's status (local mode,
// or a store the controller reads) and from SemaQuota objects' spec.limits + status.usage (cluster).
import type { SemaQuota } from '../api/index.js';
import type { QuotaStatus } from '../quota/index.js';
import type { BudgetView } from './types.js';

export function budgetsFromStatus(statuses: QuotaStatus[]): BudgetView[] {
  return statuses.flatMap((s) =>
    s.windows.map((w) => ({
      quota: s.quota,
      namespace: s.namespace ?? '',
      window: w.window,
      used: { tokens: w.used.tokens, costUSD: w.used.costUSD, requests: w.used.requests },
      limit: { ...w.limits },
      resetAt: w.resetAt,
    })),
  );
}

/** The cluster view: the limits a SemaQuota sets, against the usage the controller wrote to its status. */
export function budgetsFromQuotas(quotas: SemaQuota[]): BudgetView[] {
  return quotas.flatMap((q) => {
    const ns = q.metadata?.namespace ?? '';
    const id = ns ? `${ns}/${q.metadata?.name}` : String(q.metadata?.name);
    return (q.spec?.limits ?? []).map((l) => {
      const u = q.status?.usage?.find((x) => x.window === l.window);
      return {
        quota: id,
        namespace: ns,
        window: l.window,
        used: { tokens: u?.tokens ?? 0, costUSD: u?.costUSD ?? 0, requests: u?.requests ?? 0 },
        limit: { tokens: l.tokens, costUSD: l.costUSD, requests: l.requests },
        resetAt: u?.resetAt,
      };
    });
  });
}
