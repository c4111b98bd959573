// The status vocabulary of a SemaPolicySource, declared as data in Flux's style: condition types
// with their polarity, the reasons each may carry, and the helper that sets one on a list.
import type { Condition } from '../api/index.js';

/**
 * `positive`: True is the healthy state (Ready). `negative` ("abnormal-true"): True means something
 * needs attention or is in progress, and the condition is removed when that is over — the kstatus
 * convention Flux, Argo CD and `kubectl wait` understand.
 */
export type Polarity = 'positive' | 'negative';

export const CONDITION_TYPES = {
  /** The last reconcile applied the wanted revision; the summary condition. */
  Ready: { polarity: 'positive', doc: 'the wanted revision is applied and the cluster matches it' },
  /** A reconcile is running or will be retried shortly (after a transient failure). */
  Reconciling: { polarity: 'negative', doc: 'work is in progress, or a retry is scheduled' },
  /** Retrying cannot help: the repository content, the spec or a Secret must change. */
  Stalled: { polarity: 'negative', doc: 'a human must fix the repository, the spec or the credentials' },
  /** The last fetch failed (network, auth, ref); a previous revision may still be applied. */
  FetchFailed: { polarity: 'negative', doc: 'the repository could not be fetched at the wanted ref' },
  /** The revision's manifests failed validation or compilation; nothing of it was applied. */
  BuildFailed: { polarity: 'negative', doc: 'the revision does not validate or compile' },
} as const satisfies Record<string, { polarity: Polarity; doc: string }>;

export type ConditionType = keyof typeof CONDITION_TYPES;

/** Reasons, CamelCase as metav1.Condition requires; each names what the message explains. */
export const REASONS = {
  Succeeded: 'Succeeded',
  Progressing: 'Progressing',
  ProgressingWithRetry: 'ProgressingWithRetry',
  GitOperationFailed: 'GitOperationFailed',
  AuthenticationFailed: 'AuthenticationFailed',
  RefNotFound: 'RefNotFound',
  InvalidRef: 'InvalidRef',
  PathNotFound: 'PathNotFound',
  SecretNotFound: 'SecretNotFound',
  ValidationFailed: 'ValidationFailed',
  LimitExceeded: 'LimitExceeded',
  OwnershipConflict: 'OwnershipConflict',
  ApplyFailed: 'ApplyFailed',
  PruneFailed: 'PruneFailed',
  Suspended: 'Suspended',
} as const;
export type Reason = (typeof REASONS)[keyof typeof REASONS];

/** Event reasons (Events are not conditions; they describe what happened once). */
export const EVENT_REASONS = {
  Applied: 'Applied',
  Pruned: 'Pruned',
  DriftCorrected: 'DriftCorrected',
  Recovered: 'Recovered',
} as const;

export interface ConditionValue {
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/**
 * Sets (or, with `undefined`, removes) a condition on a copy of `conditions`. The transition time
 * moves only when the status changes, as apimachinery's meta.SetStatusCondition does.
 */
export function setCondition(
  conditions: readonly Condition[],
  type: ConditionType,
  value: ConditionValue | undefined,
  generation: number | undefined,
  now: Date,
): Condition[] {
  const rest = conditions.filter((c) => c.type !== type);
  if (!value) return rest;
  const prev = conditions.find((c) => c.type === type);
  const next: Condition = {
    type,
    status: value.status,
    reason: value.reason,
    message: value.message.slice(0, 32_000),
    lastTransitionTime:
      prev && prev.status === value.status ? prev.lastTransitionTime : `${now.toISOString().slice(0, 19)}Z`,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
  // Ready first, then the others in declaration order: stable output for kubectl and diffs.
  const order = Object.keys(CONDITION_TYPES);
  return [...rest, next].sort((a, b) => order.indexOf(a.type) - order.indexOf(b.type));
}

export const getCondition = (conditions: readonly Condition[] | undefined, type: ConditionType) =>
  conditions?.find((c) => c.type === type);
