// The quota seam and its filters: reserve budget before the decision (the verdict reaches the policy
// as `input.quota`), stamp the rate-limit headers on every response, and settle or release on the
// real usage once the exchange is over.
import { policyError, WaypointError } from '../../errors.js';
import type { Tokenizers } from '../../tokens/index.js';
import type { Filter, RequestContext } from '../types.js';
import { type QuotaUsage, UsageMeter } from './usage.js';

export type { QuotaUsage } from './usage.js';

/** What a backend answers to a reserve. */
export interface QuotaReservation {
  /** The quota document the policy sees as `input.quota` (`exceeded`, `name`, `action`, `message`…). */
  input: Record<string, unknown>;
  /** Rate-limit headers (lower-case names) for the client, put on every response of this exchange. */
  headers?: Record<string, string>;
  /** False when no budget is held (nothing to settle or release). */
  held?: boolean;
}

/** How the exchange ended, from the budget's point of view. */
export type QuotaOutcome =
  | { kind: 'settle'; usage: QuotaUsage }
  /** Nothing or only part was delivered: charge `usage` (what was streamed) or nothing at all. */
  | { kind: 'release'; usage?: QuotaUsage; reason: ReleaseReason };

export type ReleaseReason = 'refused' | 'upstream-error' | 'cut' | 'aborted' | 'cache-hit' | 'not-delivered';

export interface QuotaBackend {
  /** Reserves budget for this request; throwing refuses the request (fail closed, 503). */
  reserve(ctx: RequestContext): QuotaReservation | undefined | Promise<QuotaReservation | undefined>;
  /** Settles or releases what reserve held; called once per reserved exchange. */
  finish(ctx: RequestContext, outcome: QuotaOutcome): void | Promise<void>;
}

export interface QuotaOptions {
  backend?: QuotaBackend;
  tokenizers?: Tokenizers;
  log?: { warn(obj: object, msg?: string): void };
}

interface QuotaState {
  reservation: QuotaReservation;
  meter: UsageMeter;
}

/**
 * The quota filter (`reserve` in chain order before `policy`) and `guard`, which wraps later filters
 * so the reservation's rate-limit headers reach the client on refusals as well as on upstream
 * replies. Without a backend both are inert.
 */
export interface QuotaFilters {
  reserve: Filter;
  guard(filter: Filter): Filter;
}

const CACHE_HEADER = 'x-semamesh-cache';

export function quotaFilters(options: QuotaOptions = {}): QuotaFilters {
  const { backend, tokenizers, log } = options;
  if (!backend) return { reserve: { name: 'quota' }, guard: (f) => f };
  const states = new WeakMap<RequestContext, QuotaState>();

  const stampError = (ctx: RequestContext, err: unknown): void => {
    const headers = states.get(ctx)?.reservation.headers;
    // The reservation's figures are honest (Retry-After from the charged buckets): they win over the
    // generic ones enforcement puts on a THROTTLE.
    if (headers && err instanceof WaypointError) Object.assign(err.headers, headers);
  };
  const stampUpstream = (ctx: RequestContext): void => {
    const headers = states.get(ctx)?.reservation.headers;
    if (!headers || !ctx.upstream) return;
    for (const [k, v] of Object.entries(headers)) ctx.upstream.headers[k] = v;
  };

  const reserve: Filter = {
    name: 'quota',
    async onRequest(ctx) {
      let reservation: QuotaReservation | undefined;
      try {
        reservation = await backend.reserve(ctx);
      } catch (err) {
        throw policyError(`the quota backend failed: ${(err as Error).message ?? String(err)}`, err);
      }
      if (!reservation) return;
      ctx.quota = reservation.input;
      states.set(ctx, { reservation, meter: new UsageMeter(ctx, tokenizers) });
    },
    onResponse(ctx, res) {
      states.get(ctx)?.meter.response(res.body);
    },
    onStreamEvent(ctx, item) {
      states.get(ctx)?.meter.event(item);
      return [item];
    },
    onDone(ctx) {
      const state = states.get(ctx);
      if (!state || state.reservation.held === false) return;
      const outcome = outcomeOf(ctx, state.meter);
      void Promise.resolve()
        .then(() => backend.finish(ctx, outcome))
        .catch((err: unknown) => log?.warn({ err, id: ctx.id }, 'semamesh:waypoint:quota settle failed'));
    },
  };

  const guard = (filter: Filter): Filter => {
    const wrapped: Filter = { ...filter, name: filter.name };
    const onRequest = filter.onRequest;
    if (onRequest)
      wrapped.onRequest = async (ctx) => {
        try {
          await onRequest.call(filter, ctx);
        } catch (err) {
          stampError(ctx, err);
          throw err;
        }
        stampUpstream(ctx);
      };
    const onResponse = filter.onResponse;
    if (onResponse)
      wrapped.onResponse = async (ctx, res) => {
        try {
          await onResponse.call(filter, ctx, res);
        } catch (err) {
          stampError(ctx, err);
          throw err;
        }
      };
    return wrapped;
  };

  return { reserve, guard };
}

/** The default chain's quota stage alone (kept for embedders that compose their own chain). */
export function quota(options: QuotaOptions = {}): Filter {
  return quotaFilters(options).reserve;
}

/** Settle on a complete reply; release (with what was streamed) on anything less. */
export function outcomeOf(ctx: RequestContext, meter: UsageMeter): QuotaOutcome {
  const up = ctx.upstream;
  if (!up) return { kind: 'release', reason: ctx.error ? 'refused' : 'not-delivered' };
  if (String(up.headers[CACHE_HEADER] ?? '') === 'hit') return { kind: 'release', reason: 'cache-hit' };
  if (up.status < 200 || up.status >= 300) return { kind: 'release', reason: 'upstream-error' };
  const aborted = ctx.signal.aborted;
  if (ctx.tracker) {
    // A stream: complete only when its terminal event arrived and nothing cut it.
    if (!aborted && !ctx.error && meter.sawTerminal) return { kind: 'settle', usage: meter.usage(true) };
    return { kind: 'release', usage: meter.usage(false), reason: aborted ? 'aborted' : 'cut' };
  }
  if (aborted) return { kind: 'release', usage: meter.usage(false), reason: 'aborted' };
  // A JSON reply refused by a response-phase decision was still produced (and billed) upstream.
  return { kind: 'settle', usage: meter.usage(true) };
}
