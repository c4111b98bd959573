// Window arithmetic shared by every store: which buckets a rolling or calendar window counts at a
// given instant, when it resets, and how long a refused request has to wait.
import type { QuotaWindow } from '../api/index.js';

export type WindowType = 'rolling' | 'calendar';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A rolling month is 30 days: a calendar month is the other choice for month-shaped bills. */
export const WINDOW_MS: Readonly<Record<QuotaWindow, number>> = {
  minute: MINUTE,
  hour: HOUR,
  day: DAY,
  month: 30 * DAY,
};

/**
 * Bucket width of each rolling window. Usage is summed per bucket; a window counts the N = W/B
 * buckets before the current one plus the current one, so it may count up to one bucket of usage
 * older than W (at most B/W ≈ 0.7–1.7% of the window) but never forgets usage younger than W.
 * That errs toward refusing: over any exact interval of length W ending at an admission, admitted
 * usage stays within the limit.
 */
export const BUCKET_MS: Readonly<Record<QuotaWindow, number>> = {
  minute: SECOND,
  hour: MINUTE,
  day: 10 * MINUTE,
  month: HOUR,
};

export interface WindowRange {
  /** Start (ms) of the oldest bucket the window counts at this instant. */
  lo: number;
  /** Start (ms) of the current bucket: usage charged now lands here. */
  hi: number;
}

/** Start of the UTC calendar period holding `t`. */
export function periodStart(window: QuotaWindow, t: number): number {
  switch (window) {
    case 'minute':
      return Math.floor(t / MINUTE) * MINUTE;
    case 'hour':
      return Math.floor(t / HOUR) * HOUR;
    case 'day':
      return Math.floor(t / DAY) * DAY;
    case 'month': {
      const d = new Date(t);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    }
  }
}

/** Start of the UTC calendar period after the one holding `t`. */
export function nextPeriodStart(window: QuotaWindow, t: number): number {
  if (window === 'month') {
    const d = new Date(t);
    return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  }
  return periodStart(window, t) + WINDOW_MS[window];
}

export function windowRange(window: QuotaWindow, type: WindowType, now: number): WindowRange {
  if (type === 'calendar') {
    const start = periodStart(window, now);
    return { lo: start, hi: start };
  }
  const b = BUCKET_MS[window];
  const hi = Math.floor(now / b) * b;
  return { lo: hi - WINDOW_MS[window], hi };
}

/** How long a bucket row must be kept: after this it can no longer fall inside any window range. */
export function retentionMs(window: QuotaWindow, type: WindowType): number {
  return type === 'calendar' ? WINDOW_MS[window] + 2 * DAY : WINDOW_MS[window] + 2 * BUCKET_MS[window];
}

/** The first instant at which usage in bucket `bucket` stops being counted. */
export function bucketLeavesAt(window: QuotaWindow, type: WindowType, bucket: number): number {
  if (type === 'calendar') return nextPeriodStart(window, bucket);
  return bucket + WINDOW_MS[window] + BUCKET_MS[window];
}

/**
 * When the window is back to its full limit: the next boundary for calendar windows, the instant
 * the newest charged bucket leaves a rolling window (now when nothing is charged).
 */
export function resetAt(
  window: QuotaWindow,
  type: WindowType,
  now: number,
  newestBucket: number | undefined,
): number {
  if (type === 'calendar') return nextPeriodStart(window, now);
  return newestBucket === undefined ? now : Math.max(now, bucketLeavesAt(window, type, newestBucket));
}

/**
 * Milliseconds until `need` units are freed, given the charged buckets (oldest first) and what
 * active reservations hold. Settled usage frees for sure as its bucket leaves the window, so that
 * wait is the answer when it covers the need. Holds may free part of their amount when they settle
 * (usually within seconds, but a settled hold may also turn into usage), so they only shorten the
 * answer to `holdRetryMs` when aging buckets cannot cover the need and the holds could.
 */
export function retryAfterMs(
  window: QuotaWindow,
  type: WindowType,
  now: number,
  need: number,
  buckets: ReadonlyArray<{ bucket: number; value: number }>,
  held: number,
  holdRetryMs = SECOND,
): number {
  if (need <= 0) return 0;
  if (type === 'calendar') {
    return need <= held ? holdRetryMs : nextPeriodStart(window, now) - now;
  }
  let freed = 0;
  for (const { bucket, value } of buckets) {
    freed += value;
    const wait = bucketLeavesAt(window, type, bucket) - now;
    if (freed >= need) return Math.max(wait, 1);
  }
  return need <= freed + held ? holdRetryMs : WINDOW_MS[window];
}
