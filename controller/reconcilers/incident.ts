// The SemaIncident reconciler: drives the pause flow's state machine
//   Pending ─(node agent: frozen + checkpoint)→ Paused ─(human)→ Approved | Terminated
//   Pending ─(node agent failed, or no report within the timeout)→ Failed
// and repairs half-done decisions (Approved but the pod still annotated; Terminated but the pod alive).
import { clearPauseAnnotation, deleteIncidentPod, type IncidentObject, phaseOf } from './incident-actions.js';
import { StallingError, type Step, WaitingError } from './runtime.js';

export interface IncidentReconcilerOptions {
  /** How long the node agent has to report the freeze before the incident is Failed. Default 120 s. */
  pauseTimeoutMs?: number;
  now?: () => number;
}

function checkpointText(i: IncidentObject): string {
  const c = i.status?.checkpoint;
  if (!c) return 'no checkpoint recorded';
  if (c.path) return `checkpoint (${c.method ?? 'unknown'}) at ${c.path}`;
  return `no checkpoint (${c.method ?? 'none'}${c.error ? `: ${c.error}` : ''})`;
}

/** Pending: wait for the node agent, or give up after the timeout. */
export function pendingStep(options: IncidentReconcilerOptions = {}): Step<IncidentObject> {
  const timeout = options.pauseTimeoutMs ?? 120_000;
  const now = options.now ?? Date.now;
  return async ({ obj, patcher }) => {
    if (phaseOf(obj) !== 'Pending') return undefined;
    // An absent phase reads as Pending but is not written: a stale cache must never overwrite the
    // node agent's Paused with Pending.
    const since = Date.parse(obj.metadata.creationTimestamp ?? '') || now();
    const left = since + timeout - now();
    if (left > 0)
      throw new WaitingError(
        'AwaitingNodeAgent',
        `waiting for the node agent to freeze ${obj.spec.agent.namespace}/${obj.spec.agent.pod}`,
        Math.min(left + 50, 30_000),
      );
    patcher.status.phase = 'Failed';
    throw new StallingError(
      'NodeAgentTimeout',
      `no node agent reported the freeze of ${obj.spec.agent.namespace}/${obj.spec.agent.pod} within ${Math.round(timeout / 1000)} s (is the node agent running on the pod's node?)`,
    );
  };
}

/** The settled phases: report them, and finish a decision a crash may have left half done. */
export function decisionStep(): Step<IncidentObject> {
  return async ({ obj, client }) => {
    const { namespace, pod } = obj.spec.agent;
    const by = obj.status?.decidedBy ? ` by ${obj.status.decidedBy}` : '';
    switch (phaseOf(obj)) {
      case 'Pending':
        return undefined;
      case 'Paused':
        return {
          ready: {
            reason: 'Paused',
            message: `${namespace}/${pod} is frozen; ${checkpointText(obj)}; decide with kubectl sema approve|terminate ${obj.metadata.name}`,
          },
        };
      case 'Approved': {
        await clearPauseAnnotation(client, obj);
        return { ready: { reason: 'Approved', message: `approved${by}; ${namespace}/${pod} thawed` } };
      }
      case 'Terminated': {
        await deleteIncidentPod(client, obj);
        return {
          ready: {
            reason: 'Terminated',
            message: `terminated${by}; pod ${namespace}/${pod} deleted; evidence kept: ${checkpointText(obj)}`,
          },
        };
      }
      case 'Failed':
        throw new StallingError(
          'PauseFailed',
          `the pause of ${namespace}/${pod} failed: ${obj.status?.checkpoint?.error ?? 'see the node agent log'}`,
        );
    }
    return undefined;
  };
}

export const incidentSteps = (options: IncidentReconcilerOptions = {}): Step<IncidentObject>[] => [
  pendingStep(options),
  decisionStep(),
];
