// Agent selector matching for SemaQuota (same semantics as SemaPolicy selectors): every given field
// must match, an omitted field matches all agents.
import type { AgentSelector } from '../api/index.js';

export interface AgentRef {
  namespace: string;
  pod: string;
  serviceAccount?: string;
  labels?: Readonly<Record<string, string>>;
}

export function selectorMatches(selector: AgentSelector | undefined, agent: AgentRef): boolean {
  if (!selector) return true;
  if (selector.namespaces && !selector.namespaces.includes(agent.namespace)) return false;
  if (
    selector.serviceAccounts &&
    (agent.serviceAccount === undefined || !selector.serviceAccounts.includes(agent.serviceAccount))
  )
    return false;
  if (selector.podLabels)
    for (const [k, v] of Object.entries(selector.podLabels)) if (agent.labels?.[k] !== v) return false;
  return true;
}
