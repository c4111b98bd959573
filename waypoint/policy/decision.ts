// The decision contract as the waypoint uses it: the types are the engine's (canonical definition in
// engine/semapolicy/decision.ts, imported through the engine's run-time entry, which leaves out the
// compiler); the helpers here name the rule and message a refusal shows the client.
import type { Decision } from '../../engine/runtime.js';
import { ALL_INPUT, type InputNeeds } from './input-needs.js';

export type {
  Action,
  AgentIdentity,
  DecideOptions,
  Decision,
  DecisionEngine,
  DecisionFeatures,
  DecisionInput,
  DecisionRequest,
  Reason,
  Redaction,
  ToolCall,
} from '../../engine/runtime.js';
export { ACTIONS } from '../../engine/runtime.js';

/**
 * The rule a refusal names: the first (deciding) reason as `policy/rule` — just the policy when its
 * name already ends with the rule (`default/no-deletes` + rule `no-deletes`) — or the action itself.
 */
export function primaryRule(decision: Decision): string {
  const r = decision.reasons[0];
  if (!r) return `semamesh/${decision.action.toLowerCase()}`;
  if (!r.policy || r.policy === r.rule) return r.rule || r.policy;
  if (!r.rule || r.policy.endsWith(`/${r.rule}`)) return r.policy;
  return `${r.policy}/${r.rule}`;
}

/**
 * The canonicalizer an engine was built with, when it carries one: a bundle may extend the lexicon
 * (`data.semamesh.vocabulary`), and traffic must be canonicalized with the same words the policy
 * phrases were. Engines without one use the built-in lexicon.
 */
export function engineCanonicalizer<T>(engine: unknown, fallback: T): T {
  const c = (engine as { canonicalizer?: T } | undefined)?.canonicalizer;
  return c ?? fallback;
}

/** What the engine's policy reads of the request's text; everything for engines that do not say. */
export function engineNeeds(engine: unknown): InputNeeds {
  return (engine as { needs?: InputNeeds } | undefined)?.needs ?? ALL_INPUT;
}

export function primaryMessage(decision: Decision): string {
  const r = decision.reasons[0];
  return r?.message || `request refused by SemaMesh policy (${decision.action})`;
}
