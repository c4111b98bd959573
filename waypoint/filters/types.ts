// The filter contract: the per-request context every filter reads and writes, the hooks a filter may
// implement, and the services (policy holder, tokenizers, metrics…) the chain is built with.
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { Discourse } from '../../intent/index.js';
import type { WaypointError } from '../errors.js';
import type {
  AgentIdentity,
  Decision,
  DecisionEngine,
  DecisionFeatures,
  DecisionRequest,
} from '../policy/decision.js';
import type { PolicyHolder } from '../policy/holder.js';
import type { PauseReporter } from '../policy/pause-reporter.js';
import type { ParsedResponse, Provider, StreamObservation, StreamTracker } from '../providers/types.js';
import type { SseEvent } from '../streaming/sse.js';
import type { Tokenizers } from '../tokens/index.js';
import type { ExchangeAbort } from '../upstream/client.js';

/** Where a request goes: the upstream origin plus the path to ask for there. */
export interface ResolvedRoute {
  provider: Provider;
  api: string;
  /** e.g. `https://api.openai.com`. */
  origin: string;
  /** Path and query to request upstream (a configured prefix already removed, a base path added). */
  upstreamPath: string;
  /** The Host the agent meant to reach (for generic policy checks and audit): verified over TLS. */
  host: string;
  /** TLS server name to present upstream and verify the certificate for (transparent mode). */
  servername?: string;
  /** Host header to send upstream when it differs from the origin's (transparent mode: the name). */
  upstreamHost?: string;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** A byte stream (undici's body, or a cached body replayed). */
  body: Readable;
  /** Milliseconds from sending the request to receiving the response headers. */
  headersMs: number;
}

export interface RequestContext {
  readonly id: string;
  readonly startedAt: number;
  readonly method: string;
  /** The path as the client sent it, without the query. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly remoteAddress: string;
  readonly socket: Socket;
  readonly route: ResolvedRoute;
  readonly provider: Provider;
  readonly api: string;
  /** Aborted when the client goes away before the exchange finished. */
  readonly signal: ExchangeAbort;
  rawBody: Buffer;
  /** The parsed JSON body for APIs that have one; filters may rewrite it (then set bodyChanged). */
  body: unknown;
  bodyChanged: boolean;
  agent: AgentIdentity;
  request: DecisionRequest;
  features: DecisionFeatures;
  quota: Record<string, unknown>;
  /** The engine this request started with; both phases use it even if a new bundle is swapped in. */
  engine: DecisionEngine | undefined;
  revision: string;
  decision: Decision | undefined;
  responseDecisions: Decision[];
  failOpen: boolean;
  /** The request decision asked for redaction; response text is redacted too. */
  redact: boolean;
  /** The waypoint added include_usage upstream, so the client must not see its effects. */
  stripUsage: boolean;
  usage: { prompt?: number; completion?: number };
  upstream: UpstreamResponse | undefined;
  tracker: StreamTracker | undefined;
  /** Status sent to the client, and the refusal when there was one. */
  status: number;
  error: WaypointError | undefined;
  audit: boolean;
  /**
   * Where each intent came from (message index, `[start, end)` offsets of action and object, no
   * text), computed on demand for the audit record of a refused or audited exchange.
   */
  intentSpans?: () => IntentSpan[];
}

/** One intent's origin, for the audit record: offsets only, never the text. */
export interface IntentSpan {
  intent: string;
  message: number;
  action: [number, number];
  object?: [number, number];
  rule: string;
}

export interface StreamItem {
  ev: SseEvent;
  obs: StreamObservation;
}

/** A non-streaming response that filters inspect; set `changed` after rewriting `body`. */
export interface InspectedResponse {
  body: unknown;
  parsed: ParsedResponse;
  changed: boolean;
}

/**
 * One stage of the pipeline. A hook refuses by throwing a WaypointError: before the response
 * started that becomes a provider-shaped error reply; inside a stream it ends the stream with a
 * provider-shaped error event. Stream hooks return the events to pass on (none = hold or drop).
 */
export interface Filter {
  readonly name: string;
  onRequest?(ctx: RequestContext): void | Promise<void>;
  onResponse?(ctx: RequestContext, res: InspectedResponse): void | Promise<void>;
  onStreamEvent?(ctx: RequestContext, item: StreamItem): StreamItem[] | Promise<StreamItem[]>;
  onStreamEnd?(ctx: RequestContext): StreamItem[] | Promise<StreamItem[]>;
  /** Always runs once when the exchange is over (refused, failed or complete). */
  onDone?(ctx: RequestContext): void;
}

export interface Canonicalizer {
  pairs(text: string): string[];
  toolCall(name: string, args: unknown): string[];
  /** What a message contributes to coreference across messages (intent/coreference.ts). */
  discourse?(text: string): Discourse;
  /** Pairs with their spans (intent/canonicalize.ts); optional for test doubles. */
  explain?(text: string): {
    evidence: Array<{ pair: string; action: [number, number]; object?: [number, number]; rule: string }>;
  };
}

export interface WaypointMetricsSink {
  decision(action: string, phase: string, seconds: number): void;
  failOpen(reason: string): void;
  tokens(provider: string, model: string, kind: 'prompt' | 'completion' | 'prompt_estimate', n: number): void;
  upstream(provider: string, seconds: number): void;
  /** One finished exchange; `seconds` is end to end (request in → last response byte out) when known. */
  request(provider: string, api: string, status: number, seconds?: number): void;
}

/** What the filters share, handed to the chain builder by the server. */
export interface ChainServices {
  holder: PolicyHolder;
  canonicalizer: Canonicalizer;
  tokenizers: Tokenizers;
  metrics: WaypointMetricsSink;
  pauseReporter: PauseReporter;
  log: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
}
