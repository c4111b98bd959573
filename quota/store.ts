// The storage contract every quota store implements (SQLite locally, Redis across nodes): one atomic
// reserve across all quotas and windows, idempotent settle/release, reads for status and Retry-After.
import type { QuotaWindow } from '../api/index.js';
import type { WindowType } from './windows.js';

/** An amount of budget; cost is in nano-dollars (1e-9 USD) so every store sums integers exactly. */
export interface Amount {
  tokens: number;
  cost: number;
  requests: number;
}

/** A limit is absent (undefined) when the quota does not restrict that metric in that window. */
export interface Limits {
  tokens?: number;
  cost?: number;
  requests?: number;
}

/** One accounting series: a quota's usage over one window kind, e.g. `team-a/agents|hour|rolling`. */
export interface SeriesSpec {
  key: string;
  window: QuotaWindow;
  type: WindowType;
  limits: Limits;
}

/** A series as seen at one instant: the bucket range it counts and where new usage is charged. */
export interface SeriesAt extends SeriesSpec {
  lo: number;
  hi: number;
  /** How long the bucket charged now must be kept (ms). */
  retentionMs: number;
}

export interface QuotaHold {
  quota: string;
  amount: Amount;
  series: SeriesAt[];
}

/** One quota's loop-detection thresholds; counts include the request being reserved. */
export interface LoopCheck {
  quota: string;
  windowMs: number;
  maxPrompts: number;
  maxToolCalls: number;
}

export interface LoopPlan {
  agent: string;
  /** Hash of the normalized prompt. */
  prompt?: string;
  /** Hashes of the individual tool calls. */
  toolCalls: string[];
  /** Hash of the step (the set of tool calls in this request), for ping-pong detection. */
  step?: string;
  checks: LoopCheck[];
  /** How long loop events are kept (the longest window of any check). */
  retentionMs: number;
}

export interface ReservePlan {
  id: string;
  now: number;
  expiresAt: number;
  /** How long the reservation record outlives expiresAt, so a late settle can still be charged. */
  graceMs: number;
  holds: QuotaHold[];
  loop?: LoopPlan;
  /** Opaque record the engine needs to settle from another process (model, prices, buckets). */
  meta: string;
}

export interface LoopCounts {
  quota: string;
  prompts: number;
  toolCalls: number;
  pingPong: number;
}

export interface SeriesFigures {
  key: string;
  /** Settled usage counted by the window at this instant. */
  used: Amount;
  /** Active (unexpired, unsettled) reservations of the series' quota. */
  held: Amount;
  /** Start of the newest bucket with usage, if any. */
  newest?: number;
}

export interface ReserveOutcome {
  admitted: boolean;
  /** Set when a loop check reached its critical threshold (nothing was reserved or recorded). */
  loopBlocked: boolean;
  /** Figures of every series before this reservation (absent when loopBlocked). */
  figures: SeriesFigures[];
  loop: LoopCounts[];
}

/** Usage to add to one series' bucket when a reservation settles. */
export interface Charge {
  series: string;
  bucket: number;
  retentionMs: number;
  amount: Amount;
}

export type SettleState = 'settled' | 'late' | 'already' | 'unknown';

export interface StoredQuota {
  id: string;
  series: SeriesSpec[];
}

export interface QuotaStore {
  readonly kind: 'sqlite' | 'redis';
  /** All or nothing: checks loop thresholds and every limit, then records the holds and loop events. */
  reserve(plan: ReservePlan): Promise<ReserveOutcome>;
  /** The meta saved by reserve, for settling a reservation another process made; '' once settled. */
  lookup(id: string): Promise<string | undefined>;
  /** Drops the holds and adds the charges, once; a second call reports `already`. */
  settle(id: string, charges: Charge[], now: number): Promise<SettleState>;
  figures(series: SeriesAt[], quotas: string[], now: number): Promise<SeriesFigures[]>;
  /** Charged buckets of one series within [lo, hi], oldest first. */
  buckets(series: string, lo: number, hi: number): Promise<Array<{ bucket: number; amount: Amount }>>;
  saveQuotas(quotas: StoredQuota[]): Promise<void>;
  loadQuotas(): Promise<StoredQuota[]>;
  noteUnknownModel(quota: string, model: string, now: number): Promise<void>;
  unknownModels(quota: string): Promise<Array<{ model: string; count: number; lastSeen: number }>>;
  /** Deletes expired reservations, buckets past retention and old loop events. */
  gc(now: number): Promise<void>;
  close(): Promise<void>;
}

export const ZERO: Amount = Object.freeze({ tokens: 0, cost: 0, requests: 0 });

export function addAmount(a: Amount, b: Amount): Amount {
  return { tokens: a.tokens + b.tokens, cost: a.cost + b.cost, requests: a.requests + b.requests };
}

/** True when used + held + amount stays within every limit that is set. */
export function fits(limits: Limits, used: Amount, held: Amount, amount: Amount): boolean {
  return (
    (limits.tokens === undefined || used.tokens + held.tokens + amount.tokens <= limits.tokens) &&
    (limits.cost === undefined || used.cost + held.cost + amount.cost <= limits.cost) &&
    (limits.requests === undefined || used.requests + held.requests + amount.requests <= limits.requests)
  );
}

/** Length of the alternating tail (A,B,A,B…) of a step sequence, newest first, current step included. */
export function pingPongLength(stepsNewestFirst: readonly string[]): number {
  const s = stepsNewestFirst;
  if (s.length < 2 || s[1] === s[0]) return Math.min(s.length, 1);
  let len = 2;
  while (len < s.length && s[len] === s[len - 2]) len++;
  return len;
}

/** Ping-pong repetitions: A,B,A,B is 2, A,B,A,B,A is 3 (each return to a call counts); below 4 steps, 0. */
export function pingPongCount(stepsNewestFirst: readonly string[]): number {
  const len = pingPongLength(stepsNewestFirst);
  return len >= 4 ? Math.ceil(len / 2) : 0;
}
