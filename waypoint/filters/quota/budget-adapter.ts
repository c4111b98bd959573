// Adapts a budget engine (any object with reserve/settle/release in the shape of quota/'s
// BudgetEngine; the waypoint does not import quota/) to the QuotaBackend seam: what to reserve for a
// request, the verdict the policy sees, and settle/release with the real usage.
import { isRecord } from '../../providers/types.js';
import type { RequestContext } from '../types.js';
import type { QuotaBackend, QuotaOutcome, QuotaReservation } from './index.js';
import type { QuotaUsage } from './usage.js';

/** The reserve request the engine takes (structurally quota/'s ReserveRequest). */
export interface BudgetReserveRequest {
  agent: { namespace: string; pod: string; serviceAccount?: string; labels?: Record<string, string> };
  model: string;
  promptTokens: number;
  maxTokens?: number;
  requestId: string;
  fingerprint?: { prompt?: string; toolCalls?: Array<{ name: string; arguments?: unknown }> };
}

/** What the engine answers (structurally quota/'s Reservation). */
export interface BudgetReservation {
  id: string;
  ok: boolean;
  action?: 'THROTTLE' | 'BLOCK' | 'PAUSE' | 'AUDIT';
  reason?: 'budget' | 'too-large' | 'loop';
  quota?: string;
  window?: string;
  retryAfterSeconds?: number;
  remaining: { tokens?: number; costUSD?: number; requests?: number; resetAt?: string };
  headers: Record<string, string>;
  loop?: { quota: string; kind: string; count: number; threshold: number; level: string };
}

export interface BudgetEngineLike {
  reserve(req: BudgetReserveRequest): Promise<BudgetReservation>;
  settle(reservationId: string, usage: QuotaUsage): Promise<unknown>;
  release(reservationId: string, partialUsage?: QuotaUsage): Promise<unknown>;
}

export interface BudgetBackendOptions {
  /** Called after every settle/release (tests and metrics). */
  onFinish?: (ctx: RequestContext, outcome: QuotaOutcome, reservationId: string) => void;
}

/** APIs that consume model tokens; anything else (model lists, token counting) is not budgeted. */
const BUDGETED = new Set(['chat.completions', 'completions', 'responses', 'embeddings', 'messages']);

export function budgetBackend(engine: BudgetEngineLike, options: BudgetBackendOptions = {}): QuotaBackend {
  const ids = new WeakMap<RequestContext, string>();
  return {
    async reserve(ctx): Promise<QuotaReservation | undefined> {
      if (ctx.method !== 'POST' || !BUDGETED.has(ctx.api) || !ctx.request.model) return undefined;
      const maxTokens = ctx.api === 'embeddings' ? 0 : (ctx.request.max_tokens ?? undefined);
      const r = await engine.reserve({
        agent: {
          namespace: ctx.agent.namespace,
          pod: ctx.agent.pod,
          serviceAccount: ctx.agent.serviceAccount,
          labels: ctx.agent.labels,
        },
        model: ctx.request.model,
        promptTokens: Math.max(0, Math.floor(ctx.features.tokens.prompt)),
        maxTokens: maxTokens === undefined ? undefined : Math.max(0, Math.floor(maxTokens)),
        requestId: ctx.id,
        fingerprint: { prompt: ctx.request.text, toolCalls: newestToolCalls(ctx) },
      });
      ids.set(ctx, r.id);
      return { input: quotaInput(r), headers: r.headers, held: r.ok };
    },
    async finish(ctx, outcome) {
      const id = ids.get(ctx);
      if (!id) return;
      if (outcome.kind === 'settle') await engine.settle(id, outcome.usage);
      else await engine.release(id, outcome.usage);
      options.onFinish?.(ctx, outcome, id);
    },
  };
}

/** The decision input's `quota` document: the policy turns `exceeded` into the decision. */
export function quotaInput(r: BudgetReservation): Record<string, unknown> {
  const tightest = tightestLimit(r.headers);
  const doc: Record<string, unknown> = {
    exceeded: !r.ok || r.action === 'AUDIT',
    remaining: r.remaining,
    ...tightest,
  };
  if (r.quota) doc.name = r.quota;
  if (r.window) doc.window = r.window;
  if (r.retryAfterSeconds !== undefined) doc.retryAfterSeconds = r.retryAfterSeconds;
  if (r.loop) doc.loop = r.loop;
  if (!r.ok) {
    doc.action = r.action ?? 'THROTTLE';
    doc.reason = r.reason ?? 'budget';
    doc.message = refusalMessage(r);
  } else if (r.action === 'AUDIT' && r.loop) {
    // An admitted request with a loop warning: the policy records it as an AUDIT decision.
    doc.action = 'AUDIT';
    doc.reason = 'loop-warning';
    doc.message = `possible loop: ${r.loop.count} identical ${r.loop.kind === 'prompt' ? 'prompts' : 'tool calls'} (warn at ${r.loop.threshold})`;
  }
  return doc;
}

function refusalMessage(r: BudgetReservation): string {
  const quota = r.quota ?? 'quota';
  if (r.reason === 'loop' && r.loop) {
    const what = r.loop.kind === 'prompt' ? 'prompts' : 'tool calls';
    return `loop detected: ${r.loop.count} identical ${what} (limit ${r.loop.threshold})`;
  }
  if (r.reason === 'too-large')
    return `the request alone exceeds the ${r.window ? `${r.window} ` : ''}budget of quota ${quota}`;
  const retry = r.retryAfterSeconds ?? 1;
  return `token or cost budget of quota ${quota} exhausted for this ${r.window ?? 'window'}; retry in ${retry} s`;
}

/** `limit` and `windowSeconds` of the tightest token window, read from the RateLimit-Policy header. */
function tightestLimit(headers: Record<string, string>): { limit?: number; windowSeconds?: number } {
  const limit = Number(headers['x-ratelimit-limit-tokens'] ?? headers['x-ratelimit-limit-requests']);
  const m = /;q=(\d+);w=(\d+)/.exec(headers['ratelimit-policy'] ?? '');
  const out: { limit?: number; windowSeconds?: number } = {};
  if (Number.isFinite(limit)) out.limit = limit;
  if (m) out.windowSeconds = Number(m[2]);
  return out;
}

/**
 * The tool calls the agent acts on in this request: those of the last assistant turn (OpenAI
 * `tool_calls`, Responses `function_call` items at the end of `input`, Anthropic `tool_use` blocks),
 * not the whole history — loop detection counts repetitions across requests.
 */
export function newestToolCalls(ctx: RequestContext): Array<{ name: string; arguments?: unknown }> {
  const body = ctx.body;
  if (!isRecord(body)) return [];
  const out: Array<{ name: string; arguments?: unknown }> = [];
  if (Array.isArray(body.messages)) {
    for (let i = body.messages.length - 1; i >= 0; i--) {
      const m = body.messages[i];
      if (!isRecord(m) || m.role !== 'assistant') continue;
      if (Array.isArray(m.tool_calls))
        for (const c of m.tool_calls) {
          const fn = isRecord(c) && isRecord(c.function) ? c.function : undefined;
          if (fn && typeof fn.name === 'string') out.push({ name: fn.name, arguments: fn.arguments });
        }
      if (Array.isArray(m.content))
        for (const b of m.content)
          if (isRecord(b) && b.type === 'tool_use' && typeof b.name === 'string')
            out.push({ name: b.name, arguments: b.input });
      break;
    }
  } else if (Array.isArray(body.input)) {
    for (let i = body.input.length - 1; i >= 0; i--) {
      const item = body.input[i];
      if (!isRecord(item)) break;
      if (item.type === 'function_call_output') continue;
      if (item.type !== 'function_call' || typeof item.name !== 'string') break;
      out.push({ name: item.name, arguments: item.arguments });
    }
  }
  return out;
}
