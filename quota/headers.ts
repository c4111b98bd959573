// Rate-limit response headers for every response: Retry-After when refused, the IETF RateLimit-Policy
// and RateLimit fields (draft-ietf-httpapi-ratelimit-headers, structured-field lists) and the
// x-ratelimit-* headers OpenAI clients already understand.
import type { QuotaWindow } from '../api/index.js';
import type { Amount, Limits } from './store.js';
import type { WindowType } from './windows.js';

/** One window of one quota as the client should see it after this request. */
export interface WindowView {
  quota: string;
  window: QuotaWindow;
  type: WindowType;
  windowSeconds: number;
  limits: Limits;
  remaining: Amount;
  /** Milliseconds until the window is back to its full limit. */
  resetInMs: number;
}

const METRICS = [
  { key: 'tokens', unit: 'token', scale: 1 },
  { key: 'requests', unit: 'request', scale: 1 },
  // Costs are integers in nano-dollars inside; clients get micro-dollars (q must be an sf-integer).
  { key: 'cost', unit: 'usd-micro', scale: 1000 },
] as const;

/** sf-string: quotes and backslashes escaped; policy names are DNS names, so nothing else occurs. */
function sfString(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, '?')}"`;
}

function policyName(v: WindowView, metric: string): string {
  return `${v.quota}-${v.window}${v.type === 'calendar' ? '-cal' : ''}-${metric}`;
}

/** OpenAI's reset format: `20ms`, `1s`, `1.5s`, `6m0s`, `1h2m3s`. */
export function formatResetDuration(ms: number): string {
  const total = Math.max(0, Math.ceil(ms));
  if (total < 1000) return `${total}ms`;
  const h = Math.floor(total / 3_600_000);
  const m = Math.floor((total % 3_600_000) / 60_000);
  const s = Number(((total % 60_000) / 1000).toFixed(3));
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

function tightest(views: readonly WindowView[], key: 'tokens' | 'requests') {
  let best: { view: WindowView; limit: number; remaining: number } | undefined;
  for (const view of views) {
    const limit = view.limits[key];
    if (limit === undefined) continue;
    const remaining = view.remaining[key];
    if (
      !best ||
      remaining < best.remaining ||
      (remaining === best.remaining && view.resetInMs > best.view.resetInMs)
    )
      best = { view, limit, remaining };
  }
  return best;
}

export function rateLimitHeaders(
  views: readonly WindowView[],
  retryAfterSeconds?: number,
): Record<string, string> {
  const headers: Record<string, string> = {};
  if (retryAfterSeconds !== undefined)
    headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfterSeconds)));
  const policies: string[] = [];
  const current: string[] = [];
  for (const v of views)
    for (const m of METRICS) {
      const limit = v.limits[m.key];
      if (limit === undefined) continue;
      const name = sfString(policyName(v, m.key));
      const q = Math.floor(limit / m.scale);
      const r = Math.max(0, Math.floor(v.remaining[m.key] / m.scale));
      policies.push(`${name};q=${q};w=${v.windowSeconds};qu=${sfString(m.unit)}`);
      current.push(`${name};r=${r};t=${Math.max(0, Math.ceil(v.resetInMs / 1000))}`);
    }
  if (policies.length > 0) {
    headers['ratelimit-policy'] = policies.join(', ');
    headers.ratelimit = current.join(', ');
  }
  for (const key of ['tokens', 'requests'] as const) {
    const t = tightest(views, key);
    if (!t) continue;
    headers[`x-ratelimit-limit-${key}`] = String(t.limit);
    headers[`x-ratelimit-remaining-${key}`] = String(Math.max(0, t.remaining));
    headers[`x-ratelimit-reset-${key}`] = formatResetDuration(t.view.resetInMs);
  }
  return headers;
}
