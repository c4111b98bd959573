// Public types of the budget engine: what the waypoint's quota filter sends and gets back.
import type { QuotaUsage, QuotaWindow } from '../api/index.js';
import type { ToolCallRef } from './fingerprint.js';
import type { AgentRef } from './selector.js';
import type { SettleState } from './store.js';
import type { WindowType } from './windows.js';

export type QuotaAction = 'THROTTLE' | 'BLOCK' | 'PAUSE' | 'AUDIT';

export interface ReserveRequest {
  agent: AgentRef;
  /** The model as sent in the request (dated names and vendor prefixes are fine). */
  model: string;
  /** Prompt tokens counted by the waypoint. */
  promptTokens: number;
  /** max_tokens / max_completion_tokens / max_output_tokens of the request, if any. */
  maxTokens?: number;
  requestId: string;
  fingerprint?: {
    prompt?: string;
    /** The tool calls the agent is acting on in this request (the newest ones, not the whole history). */
    toolCalls?: Array<string | ToolCallRef>;
  };
  /** Milliseconds since the epoch; tests inject it, production leaves it to the clock. */
  now?: number;
}

export interface LoopInfo {
  quota: string;
  kind: 'prompt' | 'tool-call' | 'ping-pong';
  /** Repetitions counted, this request included. */
  count: number;
  threshold: number;
  level: 'warn' | 'critical';
}

export interface Remaining {
  tokens?: number;
  costUSD?: number;
  requests?: number;
  /** When the tightest window is back to its full limit (ISO 8601). */
  resetAt?: string;
}

export interface Reservation {
  id: string;
  ok: boolean;
  /** THROTTLE/BLOCK/PAUSE when refused; AUDIT when admitted with a loop warning. */
  action?: QuotaAction;
  reason?: 'budget' | 'too-large' | 'loop';
  /** The quota that refused (or warned), as `namespace/name`. */
  quota?: string;
  window?: QuotaWindow;
  retryAfterSeconds?: number;
  /** What stays available after this reservation (before it when refused). */
  remaining: Remaining;
  /** Lower-case header names, for every response (empty when no quota applies). */
  headers: Record<string, string>;
  loop?: LoopInfo;
  /** What was reserved, summed over quotas' first hold (for logs). */
  reserved?: { tokens: number; costUSD: number };
}

/**
 * Usage as the provider reports it, in OpenAI's convention: `promptTokens` includes `cachedTokens`,
 * `completionTokens` includes `reasoningTokens`. (Anthropic's input_tokens exclude cache reads: the
 * caller adds cache_read_input_tokens and cache_creation_input_tokens to promptTokens.)
 */
export interface Usage {
  promptTokens: number;
  completionTokens: number;
  cachedTokens?: number;
  reasoningTokens?: number;
}

export interface SettleOptions {
  now?: number;
}

export type SettleResult = SettleState | 'none';

export interface MetricFigures {
  tokens: number;
  costUSD: number;
  requests: number;
}

export interface WindowStatus {
  window: QuotaWindow;
  type: WindowType;
  limits: { tokens?: number; costUSD?: number; requests?: number };
  used: MetricFigures;
  /** Held by reservations not yet settled. */
  held: MetricFigures;
  remaining: { tokens?: number; costUSD?: number; requests?: number };
  resetAt: string;
}

export interface QuotaStatus {
  /** `namespace/name`, or `name` for a cluster-wide quota. */
  quota: string;
  name: string;
  namespace?: string;
  windows: WindowStatus[];
  /** In the shape of SemaQuota.status.usage. */
  usage: QuotaUsage[];
  /** Models requested under this quota that had no price and were billed at the default price. */
  unknownModels: Array<{ model: string; count: number; lastSeen: string }>;
}

export interface EngineStats {
  reserves: number;
  refusals: number;
  settles: number;
  lateSettles: number;
  unknownSettles: number;
  unknownModelRequests: number;
  loopWarnings: number;
  loopRefusals: number;
}

export interface BudgetEngine {
  setQuotas(
    quotas: (import('../api/index.js').SemaQuota | import('../api/index.js').SemaClusterQuota)[],
  ): void;
  reserve(req: ReserveRequest): Promise<Reservation>;
  settle(reservationId: string, usage: Usage, options?: SettleOptions): Promise<SettleResult>;
  release(reservationId: string, partialUsage?: Usage, options?: SettleOptions): Promise<SettleResult>;
  status(now?: number): Promise<QuotaStatus[]>;
  stats(): EngineStats;
  close(): Promise<void>;
}
