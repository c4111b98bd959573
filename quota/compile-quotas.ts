// Turns SemaQuota objects into the engine's working form: one accounting series per (window, type)
// with the tightest limits, cost limits in nano-dollars, and loop-detection thresholds in ms.
import {
  type AgentSelector,
  parseDuration,
  QUOTA_WINDOWS,
  type QuotaWindow,
  type SemaClusterQuota,
  type SemaQuota,
} from '../api/index.js';
import { QUOTA_ERROR_CODES, QuotaError } from './errors.js';
import type { PriceEntry } from './prices.js';
import type { Limits, SeriesSpec } from './store.js';
import type { WindowType } from './windows.js';

export type ExceedAction = 'THROTTLE' | 'BLOCK' | 'PAUSE';

export interface LoopConfig {
  windowMs: number;
  maxPrompts: number;
  maxToolCalls: number;
  warnAt?: number;
  action: 'THROTTLE' | 'PAUSE';
}

/**
 * Who a quota may charge. `namespaced` (clusters): a SemaQuota charges and limits only agents of its
 * own namespace, a SemaClusterQuota every agent its selector picks. `single` (local mode, one
 * tenant): every quota is cluster-wide.
 */
export type QuotaTenancy = 'namespaced' | 'single';

export interface CompiledQuota {
  id: string;
  name: string;
  namespace?: string;
  /** Set: only agents of this namespace are charged, whatever the selector says. */
  scope?: string;
  selector?: AgentSelector;
  onExceed: ExceedAction;
  defaultMaxTokens?: number;
  models?: Record<string, PriceEntry>;
  series: SeriesSpec[];
  loop?: LoopConfig;
}

const DEFAULT_LOOP_WINDOW_MS = 5 * 60_000;

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

function isAmount(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

export function quotaId(name: string, namespace?: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** Validates and compiles one SemaQuota; problems are collected so one error names all of them. */
function compileOne(
  q: SemaQuota | SemaClusterQuota,
  problems: string[],
  tenancy: QuotaTenancy,
): CompiledQuota | undefined {
  const name = q?.metadata?.name;
  const where = name ? `SemaQuota ${quotaId(name, q.metadata.namespace)}` : 'a SemaQuota';
  const before = problems.length;
  if (!name) problems.push(`${where}: metadata.name is required`);
  const spec = q?.spec;
  if (!spec || !Array.isArray(spec.limits)) {
    problems.push(`${where}: spec.limits must be a list`);
    return undefined;
  }
  const bySeries = new Map<string, { window: QuotaWindow; type: WindowType; limits: Limits }>();
  for (const [i, l] of spec.limits.entries()) {
    const at = `${where}: spec.limits[${i}]`;
    if (!QUOTA_WINDOWS.includes(l?.window)) {
      problems.push(`${at}.window must be one of ${QUOTA_WINDOWS}`);
      continue;
    }
    const type: WindowType = l.type ?? 'rolling';
    if (type !== 'rolling' && type !== 'calendar') {
      problems.push(`${at}.type must be rolling or calendar`);
      continue;
    }
    if (l.tokens !== undefined && !isCount(l.tokens))
      problems.push(`${at}.tokens must be a whole number ≥ 0`);
    if (l.requests !== undefined && !isCount(l.requests))
      problems.push(`${at}.requests must be a whole number ≥ 0`);
    if (l.costUSD !== undefined && !isAmount(l.costUSD)) problems.push(`${at}.costUSD must be a number ≥ 0`);
    if (l.tokens === undefined && l.requests === undefined && l.costUSD === undefined)
      problems.push(`${at} needs at least one of tokens, costUSD or requests`);
    const key = `${l.window}|${type}`;
    const cur = bySeries.get(key) ?? { window: l.window, type, limits: {} };
    cur.limits = {
      tokens: minDefined(cur.limits.tokens, l.tokens),
      requests: minDefined(cur.limits.requests, l.requests),
      // Floor: rounding a cost limit can only make it stricter, never let one more request through.
      cost: minDefined(cur.limits.cost, l.costUSD === undefined ? undefined : Math.floor(l.costUSD * 1e9)),
    };
    bySeries.set(key, cur);
  }
  for (const [model, price] of Object.entries(spec.models ?? {}))
    if (
      !isAmount(price?.inputPer1M) ||
      !isAmount(price?.outputPer1M) ||
      (price.cachedInputPer1M !== undefined && !isAmount(price.cachedInputPer1M))
    )
      problems.push(`${where}: spec.models.${model} needs inputPer1M and outputPer1M ≥ 0`);
  if (spec.defaultMaxTokens !== undefined && !(isCount(spec.defaultMaxTokens) && spec.defaultMaxTokens > 0))
    problems.push(`${where}: spec.defaultMaxTokens must be a whole number ≥ 1`);
  let loop: LoopConfig | undefined;
  const ld = spec.loopDetection;
  if (ld) {
    const windowMs = ld.window === undefined ? DEFAULT_LOOP_WINDOW_MS : parseDuration(ld.window);
    if (windowMs === undefined || windowMs <= 0)
      problems.push(`${where}: spec.loopDetection.window is not a duration`);
    if (
      !isCount(ld.maxIdenticalPrompts) ||
      ld.maxIdenticalPrompts < 2 ||
      !isCount(ld.maxIdenticalToolCalls) ||
      ld.maxIdenticalToolCalls < 2
    )
      problems.push(`${where}: spec.loopDetection thresholds must be whole numbers ≥ 2`);
    loop = {
      windowMs: windowMs ?? DEFAULT_LOOP_WINDOW_MS,
      maxPrompts: ld.maxIdenticalPrompts,
      maxToolCalls: ld.maxIdenticalToolCalls,
      warnAt: ld.warnAt,
      action: ld.action ?? 'THROTTLE',
    };
  }
  if (problems.length > before || !name) return undefined;
  const id = quotaId(name, q.metadata.namespace);
  return {
    id,
    name,
    namespace: q.metadata.namespace,
    scope: tenancy === 'single' ? undefined : scopeOf(q),
    selector: spec.selector,
    onExceed: spec.onExceed ?? 'THROTTLE',
    defaultMaxTokens: spec.defaultMaxTokens,
    models: spec.models,
    series: [...bySeries.values()].map((s) => ({
      key: `${id}|${s.window}|${s.type}`,
      window: s.window,
      type: s.type,
      limits: Object.fromEntries(Object.entries(s.limits).filter(([, v]) => v !== undefined)) as Limits,
    })),
    loop,
  };
}

/**
 * The namespace a quota is confined to: its own, for every kind but SemaClusterQuota (a SemaQuota
 * without a namespace is in `default`, as the API server would put it).
 */
function scopeOf(q: SemaQuota | SemaClusterQuota): string | undefined {
  if (q.kind === 'SemaClusterQuota') return undefined;
  return q.metadata.namespace || 'default';
}

/** All or nothing: one bad quota throws SM_ERR_QUOTA_INVALID and leaves the engine's quotas as they were. */
export function compileQuotas(
  quotas: readonly (SemaQuota | SemaClusterQuota)[],
  tenancy: QuotaTenancy = 'namespaced',
): CompiledQuota[] {
  const problems: string[] = [];
  const out: CompiledQuota[] = [];
  const seen = new Set<string>();
  for (const q of quotas) {
    const c = compileOne(q, problems, tenancy);
    if (!c) continue;
    if (seen.has(c.id)) problems.push(`SemaQuota ${c.id} is given twice`);
    seen.add(c.id);
    out.push(c);
  }
  if (problems.length > 0)
    throw new QuotaError(QUOTA_ERROR_CODES.INVALID_QUOTA, `invalid SemaQuota: ${problems.join('; ')}`);
  return out;
}
