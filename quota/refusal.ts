// Decides what a refused or suspicious request gets: the action (most severe wins), the quota and
// window to blame, and an honest Retry-After computed from the charged buckets; loop verdicts too.
import type { QuotaWindow } from '../api/index.js';
import type { CompiledQuota, ExceedAction } from './compile-quotas.js';
import type { LoopCounts, QuotaHold, QuotaStore, SeriesAt, SeriesFigures } from './store.js';
import type { LoopInfo } from './types.js';
import { nextPeriodStart, retryAfterMs, WINDOW_MS } from './windows.js';

const SEVERITY: Record<string, number> = { AUDIT: 0, THROTTLE: 1, BLOCK: 2, PAUSE: 3 };

export interface LoopAdvice {
  info: LoopInfo;
  action: 'THROTTLE' | 'PAUSE';
  windowMs: number;
}

/** The most severe loop finding over the matched quotas, or undefined when nothing reached warnAt. */
export function loopAdvice(
  counts: readonly LoopCounts[],
  quotas: readonly CompiledQuota[],
): LoopAdvice | undefined {
  let best: LoopAdvice | undefined;
  const rank = (a: LoopAdvice) =>
    (a.info.level === 'critical' ? 10 + SEVERITY[a.action] : 0) + a.info.count / 1e6;
  for (const c of counts) {
    const cfg = quotas.find((q) => q.id === c.quota)?.loop;
    if (!cfg) continue;
    const candidates: Array<{ kind: LoopInfo['kind']; count: number; max: number }> = [
      { kind: 'ping-pong', count: c.pingPong, max: cfg.maxToolCalls },
      { kind: 'tool-call', count: c.toolCalls, max: cfg.maxToolCalls },
      { kind: 'prompt', count: c.prompts, max: cfg.maxPrompts },
    ];
    for (const k of candidates) {
      const level =
        k.count >= k.max
          ? 'critical'
          : cfg.warnAt !== undefined && k.count >= cfg.warnAt
            ? 'warn'
            : undefined;
      if (!level) continue;
      const advice: LoopAdvice = {
        info: {
          quota: c.quota,
          kind: k.kind,
          count: k.count,
          threshold: level === 'critical' ? k.max : cfg.warnAt!,
          level,
        },
        action: cfg.action,
        windowMs: cfg.windowMs,
      };
      if (!best || rank(advice) > rank(best)) best = advice;
    }
  }
  return best;
}

export interface Failing {
  hold: QuotaHold;
  s: SeriesAt;
  f: SeriesFigures;
}

export interface RefusalVerdict {
  action: ExceedAction;
  reason: 'budget' | 'too-large';
  quota: string;
  window: QuotaWindow;
  retryAfterSeconds: number;
}

const METRICS = ['tokens', 'cost', 'requests'] as const;

async function seriesRetryMs(store: QuotaStore, { hold, s, f }: Failing, now: number) {
  let wait = 0;
  let tooLarge = false;
  let buckets: Awaited<ReturnType<QuotaStore['buckets']>> | undefined;
  for (const m of METRICS) {
    const limit = s.limits[m];
    if (limit === undefined) continue;
    const need = f.used[m] + f.held[m] + hold.amount[m] - limit;
    if (need <= 0) continue;
    if (hold.amount[m] > limit) {
      tooLarge = true;
      wait = Math.max(
        wait,
        s.type === 'calendar' ? nextPeriodStart(s.window, now) - now : WINDOW_MS[s.window],
      );
      continue;
    }
    buckets ??= await store.buckets(s.key, s.lo, s.hi);
    const values = buckets.map((b) => ({ bucket: b.bucket, value: b.amount[m] }));
    wait = Math.max(wait, retryAfterMs(s.window, s.type, now, need, values, f.held[m]));
  }
  return { wait, tooLarge };
}

/** Every failing series must drain before the request fits, so the longest wait is the honest one. */
export async function refusal(
  store: QuotaStore,
  failing: readonly Failing[],
  quotas: readonly CompiledQuota[],
  now: number,
): Promise<RefusalVerdict> {
  let verdict: RefusalVerdict | undefined;
  let waitMs = 0;
  for (const item of failing) {
    const quota = quotas.find((q) => q.id === item.hold.quota);
    const action = quota?.onExceed ?? 'THROTTLE';
    const { wait, tooLarge } = await seriesRetryMs(store, item, now);
    const candidate: RefusalVerdict = {
      action,
      reason: tooLarge ? 'too-large' : 'budget',
      quota: item.hold.quota,
      window: item.s.window,
      retryAfterSeconds: 0,
    };
    if (
      !verdict ||
      SEVERITY[action] > SEVERITY[verdict.action] ||
      (action === verdict.action && wait > waitMs)
    )
      verdict = candidate;
    waitMs = Math.max(waitMs, wait);
  }
  const v = verdict ?? {
    action: 'THROTTLE',
    reason: 'budget',
    quota: '',
    window: 'minute',
    retryAfterSeconds: 0,
  };
  v.retryAfterSeconds = Math.max(1, Math.ceil(waitMs / 1000));
  return v;
}
