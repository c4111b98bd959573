// The budget engine: reserves prompt + max tokens at the model's price against every quota that
// selects the agent (all or nothing, in one store operation), settles on real usage, detects loops.
import { randomUUID } from 'node:crypto';
import type { SemaClusterQuota, SemaQuota } from '../api/index.js';
import { type CompiledQuota, compileQuotas, type QuotaTenancy, quotaId } from './compile-quotas.js';
import { QUOTA_ERROR_CODES, QuotaError } from './errors.js';
import { promptFingerprint, stepFingerprint, toolCallFingerprint } from './fingerprint.js';
import { rateLimitHeaders, type WindowView } from './headers.js';
import {
  DEFAULT_MAX_OUTPUT_TOKENS,
  DEFAULT_UNKNOWN_PRICE,
  nanosPerToken,
  PriceBook,
  type PriceEntry,
} from './prices.js';
import { type LoopAdvice, loopAdvice, refusal } from './refusal.js';
import { selectorMatches } from './selector.js';
import {
  type Amount,
  type Charge,
  fits,
  type LoopPlan,
  type QuotaHold,
  type QuotaStore,
  type SeriesAt,
  type SeriesFigures,
  type SeriesSpec,
} from './store.js';
import type {
  BudgetEngine,
  EngineStats,
  QuotaStatus,
  Remaining,
  Reservation,
  ReserveRequest,
  SettleOptions,
  SettleResult,
  Usage,
  WindowStatus,
} from './types.js';
import { nextPeriodStart, periodStart, resetAt, retentionMs, WINDOW_MS, windowRange } from './windows.js';

export interface BudgetEngineOptions {
  store: QuotaStore;
  /** Replaces the built-in price table (SemaQuota `spec.models` still overrides per quota). */
  prices?: Record<string, PriceEntry>;
  /** Price of models the table does not know; they are counted and listed in status. */
  unknownModelPrice?: PriceEntry;
  /**
   * `namespaced` (default, clusters): a SemaQuota charges only agents of its namespace; only a
   * SemaClusterQuota reaches across namespaces. `single`: local mode's one tenant.
   */
  tenancy?: QuotaTenancy;
  /** Completion tokens reserved when neither the request, the quota nor the price table says. */
  defaultMaxTokens?: number;
  /** Unsettled reservations stop holding budget after this long (default 10 minutes). */
  reservationTtlMs?: number;
  /** How often expired rows are deleted (default 60 s; 0 turns the timer off). */
  gcIntervalMs?: number;
  clock?: () => number;
}

/** What settle needs to charge a reservation, saved with it so any process can settle it. */
interface ReservationMeta {
  m: string;
  q: Array<{ id: string; i: number; o: number; c: number; s: Array<{ k: string; b: number; r: number }> }>;
}

const NO_STORE_PREFIX = 'n-';

export function toUSD(nanos: number): number {
  return Math.round(nanos) / 1e9;
}

function seriesAt(spec: SeriesSpec, now: number): SeriesAt {
  return {
    ...spec,
    ...windowRange(spec.window, spec.type, now),
    retentionMs: retentionMs(spec.window, spec.type),
  };
}

function windowSeconds(spec: SeriesSpec, now: number): number {
  if (spec.type === 'calendar' && spec.window === 'month')
    return (nextPeriodStart('month', now) - periodStart('month', now)) / 1000;
  return WINDOW_MS[spec.window] / 1000;
}

function remainingOf(limits: SeriesSpec['limits'], f: SeriesFigures, extra: Amount): Amount {
  const left = (limit: number | undefined, used: number, held: number, add: number) =>
    limit === undefined ? Number.POSITIVE_INFINITY : Math.max(0, limit - used - held - add);
  return {
    tokens: left(limits.tokens, f.used.tokens, f.held.tokens, extra.tokens),
    cost: left(limits.cost, f.used.cost, f.held.cost, extra.cost),
    requests: left(limits.requests, f.used.requests, f.held.requests, extra.requests),
  };
}

function checkCount(what: string, v: unknown, optional = false): void {
  if (optional && v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new QuotaError(
      QUOTA_ERROR_CODES.INVALID_REQUEST,
      `${what} must be a whole number ≥ 0, got ${String(v)}`,
    );
}

export class QuotaBudgetEngine implements BudgetEngine {
  private quotas: CompiledQuota[] = [];
  private readonly store: QuotaStore;
  private readonly book: PriceBook;
  private readonly ttlMs: number;
  private readonly defaultMaxTokens: number;
  private readonly clock: () => number;
  private readonly tenancy: QuotaTenancy;
  private readonly open = new Map<string, { meta: ReservationMeta; purgeAt: number }>();
  private readonly timer?: NodeJS.Timeout;
  private saving: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly counters: EngineStats = {
    reserves: 0,
    refusals: 0,
    settles: 0,
    lateSettles: 0,
    unknownSettles: 0,
    unknownModelRequests: 0,
    loopWarnings: 0,
    loopRefusals: 0,
  };

  constructor(options: BudgetEngineOptions) {
    this.store = options.store;
    this.book = new PriceBook(options.prices, options.unknownModelPrice ?? DEFAULT_UNKNOWN_PRICE);
    this.ttlMs = options.reservationTtlMs ?? 10 * 60_000;
    this.defaultMaxTokens = options.defaultMaxTokens ?? DEFAULT_MAX_OUTPUT_TOKENS;
    this.clock = options.clock ?? Date.now;
    this.tenancy = options.tenancy ?? 'namespaced';
    const every = options.gcIntervalMs ?? 60_000;
    if (every > 0) {
      this.timer = setInterval(() => void this.gc().catch(() => {}), every);
      this.timer.unref();
    }
  }

  setQuotas(quotas: (SemaQuota | SemaClusterQuota)[]): void {
    this.ensureOpen();
    this.quotas = compileQuotas(quotas, this.tenancy);
    const defs = this.quotas.map((q) => ({ id: q.id, series: q.series }));
    // Saved for `semamesh quota status`, which reads the store without the SemaQuota objects.
    this.saving = this.saving.then(() => this.store.saveQuotas(defs)).catch(() => {});
  }

  stats(): EngineStats {
    return { ...this.counters };
  }

  private ensureOpen(): void {
    if (this.closed) throw new QuotaError(QUOTA_ERROR_CODES.CLOSED, 'the budget engine is closed');
  }

  async reserve(req: ReserveRequest): Promise<Reservation> {
    this.ensureOpen();
    if (!req?.agent || typeof req.agent.namespace !== 'string' || typeof req.model !== 'string')
      throw new QuotaError(
        QUOTA_ERROR_CODES.INVALID_REQUEST,
        'a reserve request needs agent.namespace and model',
      );
    checkCount('promptTokens', req.promptTokens);
    checkCount('maxTokens', req.maxTokens, true);
    const now = req.now ?? this.clock();
    this.counters.reserves++;
    // The namespace fence comes before the selector: a tenant's quota never charges, limits or
    // loop-counts another namespace's agents, whatever its selector says.
    const matched = this.quotas.filter(
      (q) =>
        (q.scope === undefined || q.scope === req.agent.namespace) && selectorMatches(q.selector, req.agent),
    );
    const holds: QuotaHold[] = [];
    const meta: ReservationMeta = { m: req.model, q: [] };
    for (const q of matched) {
      if (q.series.length === 0) continue;
      const price = this.book.resolve(req.model, q.models);
      if (price.source === 'default') {
        this.counters.unknownModelRequests++;
        void this.store.noteUnknownModel(q.id, req.model, now).catch(() => {});
      }
      const maxTokens = req.maxTokens ?? q.defaultMaxTokens ?? price.maxOutputTokens ?? this.defaultMaxTokens;
      const amount: Amount = {
        tokens: req.promptTokens + maxTokens,
        // Reserve without the cache discount: the cached share is only known from the response.
        cost: Math.ceil(
          req.promptTokens * nanosPerToken(price.inputPer1M) + maxTokens * nanosPerToken(price.outputPer1M),
        ),
        requests: 1,
      };
      const series = q.series.map((s) => seriesAt(s, now));
      holds.push({ quota: q.id, amount, series });
      meta.q.push({
        id: q.id,
        i: price.inputPer1M,
        o: price.outputPer1M,
        c: price.cachedInputPer1M ?? price.inputPer1M,
        s: series.map((s) => ({ k: s.key, b: s.hi, r: s.retentionMs })),
      });
    }
    const loop = this.loopPlan(req, matched);
    if (holds.length === 0 && !loop)
      return { id: `${NO_STORE_PREFIX}${randomUUID()}`, ok: true, remaining: {}, headers: {} };

    const id = randomUUID();
    const outcome = await this.store.reserve({
      id,
      now,
      expiresAt: now + this.ttlMs,
      graceMs: this.ttlMs,
      holds,
      loop,
      meta: JSON.stringify(meta),
    });
    const advice: LoopAdvice | undefined = loopAdvice(outcome.loop, matched);
    if (outcome.loopBlocked) {
      this.counters.refusals++;
      this.counters.loopRefusals++;
      const retry = Math.ceil((advice?.windowMs ?? 60_000) / 1000);
      return {
        id,
        ok: false,
        action: advice?.action ?? 'THROTTLE',
        reason: 'loop',
        quota: advice?.info.quota,
        retryAfterSeconds: retry,
        remaining: {},
        headers: { ...rateLimitHeaders([], retry), 'x-semamesh-loop': advice?.info.kind ?? 'loop' },
        loop: advice?.info,
      };
    }
    if (advice) this.counters.loopWarnings++;

    const views: WindowView[] = [];
    let fi = 0;
    for (const hold of holds)
      for (const s of hold.series) {
        const f = outcome.figures[fi++];
        const extra = outcome.admitted ? hold.amount : { tokens: 0, cost: 0, requests: 0 };
        views.push({
          quota: hold.quota.slice(hold.quota.indexOf('/') + 1),
          window: s.window,
          type: s.type,
          windowSeconds: windowSeconds(s, now),
          limits: s.limits,
          remaining: remainingOf(s.limits, f, extra),
          resetInMs:
            resetAt(s.window, s.type, now, outcome.admitted ? Math.max(f.newest ?? s.hi, s.hi) : f.newest) -
            now,
        });
      }
    const remaining = summarize(views, now);
    const reserved = holds[0] && { tokens: holds[0].amount.tokens, costUSD: toUSD(holds[0].amount.cost) };

    if (outcome.admitted) {
      this.open.set(id, { meta, purgeAt: now + 2 * this.ttlMs });
      const warn = advice?.info.level === 'warn' ? advice.info : undefined;
      return {
        id,
        ok: true,
        action: warn ? 'AUDIT' : undefined,
        quota: warn?.quota,
        remaining,
        headers: rateLimitHeaders(views),
        loop: warn,
        reserved,
      };
    }

    this.counters.refusals++;
    const failing = holds.flatMap((hold, hi) =>
      hold.series
        .map((s, si) => ({
          hold,
          s,
          f: outcome.figures[holds.slice(0, hi).reduce((n, h) => n + h.series.length, 0) + si],
        }))
        .filter(({ hold: h, s, f }) => !fits(s.limits, f.used, f.held, h.amount)),
    );
    const r = await refusal(this.store, failing, matched, now);
    return {
      id,
      ok: false,
      action: r.action,
      reason: r.reason,
      quota: r.quota,
      window: r.window,
      retryAfterSeconds: r.retryAfterSeconds,
      remaining,
      headers: rateLimitHeaders(views, r.retryAfterSeconds),
      loop: advice?.info,
      reserved,
    };
  }

  private loopPlan(req: ReserveRequest, matched: CompiledQuota[]): LoopPlan | undefined {
    const withLoop = matched.filter((q) => q.loop);
    const fp = req.fingerprint;
    if (withLoop.length === 0 || !fp || (fp.prompt === undefined && !fp.toolCalls?.length)) return undefined;
    const toolCalls = (fp.toolCalls ?? []).map(toolCallFingerprint);
    return {
      agent: `${req.agent.namespace}/${req.agent.pod}`,
      prompt: fp.prompt === undefined ? undefined : promptFingerprint(fp.prompt),
      toolCalls,
      step: stepFingerprint(toolCalls),
      checks: withLoop.map((q) => ({
        quota: q.id,
        windowMs: q.loop!.windowMs,
        maxPrompts: q.loop!.maxPrompts,
        maxToolCalls: q.loop!.maxToolCalls,
      })),
      retentionMs: Math.max(...withLoop.map((q) => q.loop!.windowMs)),
    };
  }

  async settle(reservationId: string, usage: Usage, options?: SettleOptions): Promise<SettleResult> {
    return this.finish(reservationId, usage, options?.now);
  }

  async release(reservationId: string, partialUsage?: Usage, options?: SettleOptions): Promise<SettleResult> {
    return this.finish(reservationId, partialUsage, options?.now);
  }

  private async finish(id: string, usage: Usage | undefined, at: number | undefined): Promise<SettleResult> {
    this.ensureOpen();
    if (usage) {
      checkCount('promptTokens', usage.promptTokens);
      checkCount('completionTokens', usage.completionTokens);
      checkCount('cachedTokens', usage.cachedTokens, true);
      checkCount('reasoningTokens', usage.reasoningTokens, true);
    }
    if (id.startsWith(NO_STORE_PREFIX)) return 'none';
    const now = at ?? this.clock();
    let meta = this.open.get(id)?.meta;
    if (!meta) {
      const saved = await this.store.lookup(id);
      if (saved === '') return 'already';
      meta = saved === undefined ? undefined : (JSON.parse(saved) as ReservationMeta);
    }
    if (!meta) {
      this.counters.unknownSettles++;
      return 'unknown';
    }
    const charges: Charge[] = [];
    if (usage) {
      const cached = Math.min(usage.cachedTokens ?? 0, usage.promptTokens);
      const output = Math.max(usage.completionTokens, usage.reasoningTokens ?? 0);
      for (const q of meta.q) {
        const amount: Amount = {
          tokens: usage.promptTokens + output,
          cost: Math.ceil(
            (usage.promptTokens - cached) * nanosPerToken(q.i) +
              cached * nanosPerToken(q.c) +
              output * nanosPerToken(q.o),
          ),
          requests: 1,
        };
        for (const s of q.s) charges.push({ series: s.k, bucket: s.b, retentionMs: s.r, amount });
      }
    }
    const state = await this.store.settle(id, charges, now);
    this.open.delete(id);
    if (state === 'settled' || state === 'late') this.counters.settles++;
    if (state === 'late') this.counters.lateSettles++;
    if (state === 'unknown') this.counters.unknownSettles++;
    return state;
  }

  async status(at?: number): Promise<QuotaStatus[]> {
    this.ensureOpen();
    await this.saving;
    const now = at ?? this.clock();
    const defs =
      this.quotas.length > 0
        ? this.quotas.map((q) => ({ id: q.id, series: q.series }))
        : await this.store.loadQuotas();
    const out: QuotaStatus[] = [];
    for (const def of defs) {
      const series = def.series.map((s) => seriesAt(s, now));
      const figures = await this.store.figures(
        series,
        series.map(() => def.id),
        now,
      );
      const windows: WindowStatus[] = series.map((s, i) => windowStatus(s, figures[i], now));
      const slash = def.id.indexOf('/');
      const unknown = await this.store.unknownModels(def.id);
      out.push({
        quota: def.id,
        name: def.id.slice(slash + 1),
        namespace: slash >= 0 ? def.id.slice(0, slash) : undefined,
        windows,
        usage: windows.map((w) => ({
          window: w.window,
          tokens: w.used.tokens,
          costUSD: w.used.costUSD,
          requests: w.used.requests,
          resetAt: w.resetAt,
          type: w.type,
          remaining: w.remaining,
        })),
        unknownModels: unknown.map((u) => ({ ...u, lastSeen: new Date(u.lastSeen).toISOString() })),
      });
    }
    return out;
  }

  /** Drops expired rows in the store and forgets local reservations nobody will settle. */
  async gc(now = this.clock()): Promise<void> {
    for (const [id, r] of this.open) if (r.purgeAt < now) this.open.delete(id);
    await this.store.gc(now);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.saving;
    await this.store.close();
  }
}

function windowStatus(s: SeriesAt, f: SeriesFigures, now: number): WindowStatus {
  const rem = remainingOf(s.limits, f, { tokens: 0, cost: 0, requests: 0 });
  return {
    window: s.window,
    type: s.type,
    limits: {
      tokens: s.limits.tokens,
      costUSD: s.limits.cost === undefined ? undefined : toUSD(s.limits.cost),
      requests: s.limits.requests,
    },
    used: { tokens: f.used.tokens, costUSD: toUSD(f.used.cost), requests: f.used.requests },
    held: { tokens: f.held.tokens, costUSD: toUSD(f.held.cost), requests: f.held.requests },
    remaining: {
      tokens: s.limits.tokens === undefined ? undefined : rem.tokens,
      costUSD: s.limits.cost === undefined ? undefined : toUSD(rem.cost),
      requests: s.limits.requests === undefined ? undefined : rem.requests,
    },
    resetAt: new Date(resetAt(s.window, s.type, now, f.newest)).toISOString(),
  };
}

/** The tightest figure of each metric over all windows, and when the tightest token window resets. */
function summarize(views: readonly WindowView[], now: number): Remaining {
  const out: Remaining = {};
  let tightest: WindowView | undefined;
  for (const v of views) {
    if (v.limits.tokens !== undefined && (out.tokens === undefined || v.remaining.tokens < out.tokens)) {
      out.tokens = v.remaining.tokens;
      tightest = v;
    }
    if (v.limits.cost !== undefined)
      out.costUSD = Math.min(out.costUSD ?? Number.POSITIVE_INFINITY, toUSD(v.remaining.cost));
    if (v.limits.requests !== undefined)
      out.requests = Math.min(out.requests ?? Number.POSITIVE_INFINITY, v.remaining.requests);
  }
  tightest ??= views[0];
  if (tightest) out.resetAt = new Date(now + tightest.resetInMs).toISOString();
  return out;
}

export { quotaId };
