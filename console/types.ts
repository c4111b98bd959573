// The shapes the console's JSON API serves and its page renders: decisions, spend, budgets,
// incidents and policies, the same for local mode and the controller.

/** Who made a request, as far as the waypoint knows. */
export interface AgentView {
  /** Stable key: `namespace/pod`, or the local process/address when there is no pod. */
  id: string;
  namespace: string;
  name: string;
}

/** One decision of a waypoint, from its audit record (never prompt text). */
export interface DecisionView {
  id: string;
  time: string;
  agent: AgentView;
  provider: string;
  model: string;
  action: string;
  risk: string;
  /** `policy/rule: message`, one per reason. */
  reasons: string[];
  intents: string[];
  status: number;
  tokens: { prompt: number; completion: number };
  costUSD: number;
  /** Which waypoint reported it (node name, or `local`). */
  source: string;
}

export interface SpendRow {
  namespace: string;
  agent: string;
  model: string;
  requests: number;
  tokens: number;
  costUSD: number;
}

/** One limit window of a SemaQuota: what is used against what is allowed. */
export interface BudgetView {
  quota: string;
  namespace: string;
  window: string;
  used: { tokens: number; costUSD: number; requests: number };
  limit: { tokens?: number; costUSD?: number; requests?: number };
  resetAt?: string;
}

/** A paused (or decided) agent: a SemaIncident, or a local-mode incident. */
export interface IncidentView {
  namespace: string;
  name: string;
  agent: string;
  policy: string;
  rule: string;
  reason: string;
  phase: string;
  detectedAt: string;
  decidedBy?: string;
  checkpoint?: string;
}

export interface PolicyView {
  namespace: string;
  name: string;
  kind: string;
  rules: number;
  enforcement: string;
  ready: string;
  message: string;
  /** The Git commit it came from (GitOps), when known. */
  sourceCommit?: string;
  source?: string;
}

/** Non-ALLOW decisions per minute, oldest first. */
export interface ViolationBucket {
  minute: string;
  block: number;
  pause: number;
  throttle: number;
  other: number;
}

export interface ConsoleSnapshot {
  generatedAt: string;
  /** `local` or `cluster`, for the page header. */
  mode: string;
  user: string;
  agents: Array<AgentView & { lastSeen: string; requests: number; lastAction: string }>;
  decisions: DecisionView[];
  spend: SpendRow[];
  budgets: BudgetView[];
  violations: ViolationBucket[];
  incidents: IncidentView[];
  policies: PolicyView[];
  /** What could not be read (e.g. a forbidden list), shown on the page instead of failing it. */
  warnings: string[];
}
