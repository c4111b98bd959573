// Keeps the recent decisions reported by waypoints (their audit records) in memory and derives the
// console's per-agent, spend and violations-over-time views from them.
// The price table only: the quota barrel would load the SemaQuota compiler and store drivers.
import { PriceBook } from '../quota/prices.js';
import type { AgentView, DecisionView, SpendRow, ViolationBucket } from './types.js';

export interface DecisionLogOptions {
  /** Decisions kept for the page (default 500); older ones only live on in the aggregates. */
  maxDecisions?: number;
  /** Minutes of violation history (default 60). */
  minutes?: number;
  prices?: PriceBook;
  now?: () => number;
}

const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
const obj = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** Most agents and spend rows tracked; beyond this the least recently seen are dropped. */
const MAX_KEYS = 5000;

function agentOf(raw: unknown): AgentView {
  const a = obj(raw);
  const namespace = str(a.namespace);
  const name = str(a.pod) || str(a.command) || str(a.cgroup) || str(a.address) || 'unknown';
  return { id: namespace ? `${namespace}/${name}` : name, namespace, name };
}

function reasonsOf(decision: Record<string, unknown>): string[] {
  const reasons = Array.isArray(decision.reasons) ? decision.reasons : [];
  return reasons.slice(0, 10).map((r) => {
    const o = obj(r);
    const policy = str(o.policy);
    const rule = str(o.rule);
    // `default/no-deletes` + rule `no-deletes` reads better as the policy name alone.
    const where =
      !rule || policy === rule || policy.endsWith(`/${rule}`) ? policy || rule : `${policy}/${rule}`;
    const message = str(o.message);
    return where && message ? `${where}: ${message}` : where || message;
  });
}

/** The most severe action of the request and response decisions, as the waypoint enforced it. */
const SEVERITY = ['ALLOW', 'AUDIT', 'REDACT', 'THROTTLE', 'BLOCK', 'PAUSE'];

export class DecisionLog {
  private readonly decisions: DecisionView[] = [];
  private readonly agents = new Map<
    string,
    AgentView & { lastSeen: string; requests: number; lastAction: string }
  >();
  private readonly spend = new Map<string, SpendRow>();
  private readonly buckets = new Map<number, ViolationBucket>();
  private readonly listeners = new Set<(d: DecisionView) => void>();
  private readonly max: number;
  private readonly minutes: number;
  private readonly prices: PriceBook;
  private readonly now: () => number;

  constructor(options: DecisionLogOptions = {}) {
    this.max = options.maxDecisions ?? 500;
    this.minutes = options.minutes ?? 60;
    this.prices = options.prices ?? new PriceBook();
    this.now = options.now ?? Date.now;
  }

  /** Called with each new decision (the SSE stream listens here). Returns the unsubscribe function. */
  subscribe(listener: (d: DecisionView) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Takes one waypoint audit record (any JSON value: records come over the network) and returns the
   * decision it became, or undefined when it is not an audit record.
   */
  record(raw: unknown, source = 'local'): DecisionView | undefined {
    const r = obj(raw);
    if (typeof r.id !== 'string' || !('decision' in r || 'status' in r)) return undefined;
    const decision = obj(r.decision);
    const actions = [str(decision.action, r.error ? 'ERROR' : 'ALLOW')];
    for (const rd of Array.isArray(r.responseDecisions) ? r.responseDecisions : [])
      actions.push(str(obj(rd).action, 'ALLOW'));
    const action = actions.reduce((a, b) => (SEVERITY.indexOf(b) > SEVERITY.indexOf(a) ? b : a));
    const tokens = obj(r.tokens);
    const prompt = num(tokens.prompt) || num(tokens.prompt_estimate);
    const completion = num(tokens.completion);
    const model = str(r.model);
    // Refused requests reached no provider and cost nothing.
    const forwarded = num(r.status) < 400 && action !== 'BLOCK' && action !== 'PAUSE';
    const price = model && forwarded ? this.prices.resolve(model) : undefined;
    const costUSD = price ? (prompt * price.inputPer1M + completion * price.outputPer1M) / 1e6 : 0;
    const time = str(r.time) || new Date(this.now()).toISOString();
    const view: DecisionView = {
      id: r.id,
      time,
      agent: agentOf(r.agent),
      provider: str(r.provider),
      model,
      action,
      risk: str(decision.risk),
      reasons: reasonsOf(decision),
      intents: (Array.isArray(r.intents) ? r.intents : []).filter((i) => typeof i === 'string').slice(0, 20),
      status: num(r.status),
      tokens: { prompt: forwarded ? prompt : 0, completion },
      costUSD,
      source: str(r.node, source),
    };
    this.add(view);
    return view;
  }

  private add(d: DecisionView): void {
    this.decisions.push(d);
    if (this.decisions.length > this.max) this.decisions.splice(0, this.decisions.length - this.max);

    const agent = this.agents.get(d.agent.id) ?? {
      ...d.agent,
      lastSeen: d.time,
      requests: 0,
      lastAction: '',
    };
    agent.requests++;
    agent.lastSeen = d.time;
    agent.lastAction = d.action;
    this.agents.delete(d.agent.id);
    this.agents.set(d.agent.id, agent);
    trim(this.agents);

    const key = `${d.agent.namespace}\u0000${d.agent.id}\u0000${d.model}`;
    const row = this.spend.get(key) ?? {
      namespace: d.agent.namespace,
      agent: d.agent.id,
      model: d.model,
      requests: 0,
      tokens: 0,
      costUSD: 0,
    };
    row.requests++;
    row.tokens += d.tokens.prompt + d.tokens.completion;
    row.costUSD += d.costUSD;
    this.spend.delete(key);
    this.spend.set(key, row);
    trim(this.spend);

    if (d.action !== 'ALLOW' && d.action !== 'AUDIT') {
      const minute = Math.floor(this.now() / 60_000);
      const b = this.buckets.get(minute) ?? {
        minute: new Date(minute * 60_000).toISOString(),
        block: 0,
        pause: 0,
        throttle: 0,
        other: 0,
      };
      if (d.action === 'BLOCK') b.block++;
      else if (d.action === 'PAUSE') b.pause++;
      else if (d.action === 'THROTTLE') b.throttle++;
      else b.other++;
      this.buckets.set(minute, b);
      for (const m of this.buckets.keys()) if (m <= minute - this.minutes) this.buckets.delete(m);
    }
    for (const listener of this.listeners) listener(d);
  }

  /** Newest first. */
  recent(limit = 100): DecisionView[] {
    return this.decisions.slice(-limit).reverse();
  }

  agentList() {
    return [...this.agents.values()].reverse();
  }

  spendRows(): SpendRow[] {
    return [...this.spend.values()].sort((a, b) => b.costUSD - a.costUSD || b.tokens - a.tokens);
  }

  /** One bucket per minute of the window, zeros included, oldest first. */
  violations(): ViolationBucket[] {
    const current = Math.floor(this.now() / 60_000);
    const out: ViolationBucket[] = [];
    for (let m = current - this.minutes + 1; m <= current; m++)
      out.push(
        this.buckets.get(m) ?? {
          minute: new Date(m * 60_000).toISOString(),
          block: 0,
          pause: 0,
          throttle: 0,
          other: 0,
        },
      );
    return out;
  }
}

function trim<K, V>(map: Map<K, V>): void {
  while (map.size > MAX_KEYS) {
    const first = map.keys().next();
    if (first.done) break;
    map.delete(first.value);
  }
}
