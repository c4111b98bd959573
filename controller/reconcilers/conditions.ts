// Condition types and reasons of every SemaMesh reconciler, declared as data with their polarity
// (as Flux does), plus the helpers that set a condition without moving lastTransitionTime needlessly.

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** metav1.Condition as it lands in `status.conditions`. */
export interface Condition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/**
 * Polarity says which status is the healthy one: `Ready` is "normal-true" (True = good), while
 * `Reconciling` and `Stalled` are "abnormal-true" (present and True only while something is off),
 * the convention kstatus, Flux and Argo CD health checks rely on.
 */
export const CONDITION_TYPES = {
  Ready: { polarity: 'normal-true', doc: 'The object is fully reconciled; False says why not.' },
  Reconciling: {
    polarity: 'abnormal-true',
    doc: 'Work is in progress (waiting for a compile, the node agent, a retry); removed when done.',
  },
  Stalled: {
    polarity: 'abnormal-true',
    doc: 'The controller cannot progress until a human changes something; removed when fixed.',
  },
} as const;

export type ConditionType = keyof typeof CONDITION_TYPES;

/** Every reason we write, with the condition it explains and what it means. */
export const REASONS = {
  // SemaPolicy / SemaQuota
  Compiled: { on: 'Ready', status: 'True', doc: 'Included in the bundle named by status.compiledRevision.' },
  CompileFailed: {
    on: 'Ready',
    status: 'False',
    doc: 'This resource does not compile; it is left out of the bundle (message: file:line:col: code: message).',
  },
  BundleFailed: {
    on: 'Ready',
    status: 'False',
    doc: 'The set as a whole does not compile; the last good bundle keeps serving.',
  },
  Progressing: { on: 'Reconciling', status: 'True', doc: 'Waiting for the policy set to be compiled.' },
  // SemaIncident
  AwaitingNodeAgent: {
    on: 'Reconciling',
    status: 'True',
    doc: 'Recorded; the node agent has not yet reported the freeze and checkpoint.',
  },
  NodeAgentTimeout: {
    on: 'Ready',
    status: 'False',
    doc: 'The node agent did not report within the pause timeout; the incident is marked Failed.',
  },
  Paused: { on: 'Ready', status: 'True', doc: 'The agent is frozen and checkpointed; waiting for a human.' },
  Approved: {
    on: 'Ready',
    status: 'True',
    doc: 'A human approved: the pod annotation is cleared and the agent thawed.',
  },
  Terminated: {
    on: 'Ready',
    status: 'True',
    doc: 'A human terminated: the pod is deleted, the evidence kept.',
  },
  PauseFailed: { on: 'Ready', status: 'False', doc: 'The pause could not be carried out (see message).' },
  // any kind
  ReconcileError: { on: 'Ready', status: 'False', doc: 'A transient error; retried with backoff.' },
} as const;

export type Reason = keyof typeof REASONS;

/** RFC 3339 with second precision, the form metav1.Time serializes to. */
export const nowStamp = (now = new Date()): string => `${now.toISOString().slice(0, 19)}Z`;

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/**
 * Returns the list with `type` set. lastTransitionTime changes only when the status does, so a
 * reconcile that finds nothing new writes nothing new (and triggers no watch event).
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  next: Omit<Condition, 'lastTransitionTime'>,
  now = new Date(),
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === next.type);
  const prev = i >= 0 ? list[i] : undefined;
  const cond: Condition = {
    type: next.type,
    status: next.status,
    ...(next.observedGeneration !== undefined ? { observedGeneration: next.observedGeneration } : {}),
    lastTransitionTime: prev && prev.status === next.status ? prev.lastTransitionTime : nowStamp(now),
    reason: next.reason,
    message: next.message.slice(0, 32768),
  };
  if (i >= 0) list[i] = cond;
  else list.push(cond);
  // Stable order (Ready first) keeps writes byte-identical across reconciles.
  const order = (t: string) => (t === 'Ready' ? 0 : t === 'Reconciling' ? 1 : t === 'Stalled' ? 2 : 3);
  return list.sort((a, b) => order(a.type) - order(b.type) || (a.type < b.type ? -1 : 1));
}

export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}
