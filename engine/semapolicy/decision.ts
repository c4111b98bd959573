// The decision contract between the waypoint and the policy engine (docs/decision.md): one input
// document per request or response, one decision out. Both sides import these types from here.

export type Action = 'ALLOW' | 'AUDIT' | 'REDACT' | 'BLOCK' | 'THROTTLE' | 'PAUSE';

/** The decision entrypoint every waypoint evaluates. */
export const DECISION_ENTRYPOINT = 'semamesh/decision';

export const ACTIONS: readonly Action[] = ['ALLOW', 'AUDIT', 'REDACT', 'BLOCK', 'THROTTLE', 'PAUSE'];

export interface AgentIdentity {
  namespace: string;
  pod: string;
  serviceAccount: string;
  labels: Record<string, string>;
  cgroup: string;
  /** The peer address the connection came from (always known, even when nothing else is). */
  address?: string;
}

export interface ToolCall {
  id?: string;
  name: string;
  /** Parsed JSON arguments, or the raw string when they do not parse. */
  arguments: unknown;
}

export interface ChatMessage {
  role: string;
  text: string;
}

export interface DecisionRequest {
  provider: string;
  api: string;
  model: string;
  stream: boolean;
  max_tokens: number | null;
  /** Text of every message (system, user, assistant, tool results), joined by newlines. */
  text: string;
  messages: ChatMessage[];
  /** Names of the tools offered to the model. */
  tools: string[];
  /** Tool calls: in the history (request phase) or produced by the model (response phase). */
  tool_calls: ToolCall[];
  /** For generic passthrough: what was asked of which host. */
  method?: string;
  host?: string;
  path?: string;
}

export interface DecisionFeatures {
  intents: string[];
  pii: string[];
  tokens: { prompt: number; max_completion: number | null; completion?: number };
}

export interface DecisionInput {
  agent: AgentIdentity;
  request: DecisionRequest;
  features: DecisionFeatures;
  /** Filled by the quota filter; an empty object until the quota backend lands. */
  quota: Record<string, unknown>;
  phase: 'request' | 'response';
}

export interface Reason {
  policy: string;
  rule: string;
  message: string;
}

/**
 * One rewrite the engine asks for: a PII kind to redact (same names as `features.pii`), a literal,
 * or an RE2 pattern (linear time). `replacement` defaults to `[REDACTED:<kind or "policy">]`.
 */
export interface Redaction {
  kind?: string;
  literal?: string;
  pattern?: string;
  replacement?: string;
}

/**
 * A SemaPolicy rule that names a classifier and selects this agent: the waypoint consults the
 * named classifier on the rule's trigger and, on an unsafe verdict, applies `action` (already
 * downgraded to AUDIT under dry run) with the rule's `message` (docs/classifier.md).
 */
export interface ClassifierRequest {
  policy: string;
  rule: string;
  action: Action;
  risk: string;
  message: string;
  classifier: {
    name: string;
    when?: 'unsure' | 'tool-results' | 'always';
    categories?: string[];
    failMode?: 'open' | 'closed';
    timeoutMs?: number;
  };
}

export interface Decision {
  action: Action;
  risk: string;
  reasons: Reason[];
  redactions: Redaction[];
  retryAfterSeconds?: number;
  /** Request phase only, and only when a selecting rule names a classifier. */
  classifiers?: ClassifierRequest[];
}

export interface DecideOptions {
  /** Stop the evaluation after this long (synchronous engines honour it through their fuel meter). */
  timeoutMs?: number;
  /**
   * Evaluate only the shared decision (cluster rules and the namespace's data policies), leaving out
   * the namespace's custom Rego: the fail-open fallback when that Rego failed.
   */
  sharedOnly?: boolean;
}

export interface DecisionEngine {
  decide(input: DecisionInput, options?: DecideOptions): Decision | Promise<Decision>;
  /** Bundle revision, reported in the audit log and on /readyz. */
  readonly revision: string;
}
