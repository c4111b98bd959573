// The cluster side of the pause flow's human decisions, shared by `kubectl sema` and the incident
// reconciler: the pod annotations that tell the node agent what to do, approve (thaw) and terminate
// (delete the pod, keep the evidence), each recording who decided and when.
import type { IncidentPhase, SemaIncident } from '../../api/index.js';
import { isK8sError, type K8sClient, type KubeObject, SEMAMESH_KINDS } from '../../kube/index.js';
import { ControllerError } from '../errors.js';

/** On an agent pod: `PAUSE` asks the node agent to freeze it; removing it asks for a thaw. */
export const ACTION_ANNOTATION = 'semamesh.io/action';
/** On an agent pod: the SemaIncident (same namespace) the pause belongs to. */
export const INCIDENT_ANNOTATION = 'semamesh.io/incident';
/** On a SemaIncident: the UID of the pod it is about, so a new pod with the same name is never touched. */
export const POD_UID_ANNOTATION = 'semamesh.io/pod-uid';

export type IncidentObject = SemaIncident & KubeObject;

export const INCIDENT_KIND = SEMAMESH_KINDS.SemaIncident;
export const POD_KIND = { apiVersion: 'v1', kind: 'Pod' } as const;

export const incidentRef = (namespace: string, name: string) => ({ ...INCIDENT_KIND, namespace, name });

export const phaseOf = (i: { status?: { phase?: IncidentPhase } }): IncidentPhase =>
  i.status?.phase ?? 'Pending';

const stamp = () => `${new Date().toISOString().slice(0, 19)}Z`;

function stateError(incident: IncidentObject, op: string): ControllerError {
  return new ControllerError(
    'SM_ERR_CONTROLLER_INCIDENT_STATE',
    `cannot ${op} incident ${incident.metadata.namespace}/${incident.metadata.name}: it is ${phaseOf(incident)}`,
  );
}

type PodObject = KubeObject & { metadata: { annotations?: Record<string, string> } };

/**
 * The incident's pod as it is now, or undefined when it is gone — or when a pod of the same name
 * is another pod (a StatefulSet recreated it): decisions about an incident never reach a newer pod.
 */
export async function incidentPod(
  client: K8sClient,
  incident: IncidentObject,
): Promise<PodObject | undefined> {
  const { namespace, pod } = incident.spec.agent;
  const live = await client.find<PodObject>({ ...POD_KIND, namespace, name: pod });
  if (!live) return undefined;
  const uid = incident.metadata.annotations?.[POD_UID_ANNOTATION];
  return uid === undefined || uid === live.metadata.uid ? live : undefined;
}

/**
 * Removes the pause annotations from the incident's pod, if they still belong to this incident
 * (a later incident on the same pod keeps its pause); false when there was nothing to remove.
 */
export async function clearPauseAnnotation(client: K8sClient, incident: IncidentObject): Promise<boolean> {
  // The resourceVersion precondition makes a concurrent re-annotation a conflict: re-read and re-check.
  for (let attempt = 0; ; attempt++) {
    const live = await incidentPod(client, incident);
    const notes = live?.metadata.annotations ?? {};
    if (!live || notes[ACTION_ANNOTATION] === undefined) return false;
    const owner = notes[INCIDENT_ANNOTATION];
    if (owner !== undefined && owner !== incident.metadata.name) return false;
    try {
      await client.mergePatch(
        { ...POD_KIND, namespace: incident.spec.agent.namespace, name: incident.spec.agent.pod },
        {
          metadata: {
            resourceVersion: live.metadata.resourceVersion,
            annotations: { [ACTION_ANNOTATION]: null, [INCIDENT_ANNOTATION]: null },
          },
        },
      );
      return true;
    } catch (err) {
      if (isK8sError(err, 'SM_ERR_K8S_NOT_FOUND')) return false;
      if (!isK8sError(err, 'SM_ERR_K8S_CONFLICT') || attempt >= 4) throw err;
    }
  }
}

/** Deletes the incident's pod (only that very pod); false when it is already gone. */
export async function deleteIncidentPod(client: K8sClient, incident: IncidentObject): Promise<boolean> {
  const live = await incidentPod(client, incident);
  if (!live) return false;
  return client.delete({
    ...POD_KIND,
    namespace: incident.spec.agent.namespace,
    name: incident.spec.agent.pod,
  });
}

/**
 * Approve: phase Approved with who and when, then the pod annotation is cleared, which is what the
 * node agent thaws on. The status goes first so a crash in between leaves a state the incident
 * reconciler finishes (Approved + annotated → clear the annotation), never a thaw without a record.
 */
export async function approveIncident(
  client: K8sClient,
  namespace: string,
  name: string,
  by: string,
): Promise<IncidentObject> {
  const incident = await client.get<IncidentObject>(incidentRef(namespace, name));
  const phase = phaseOf(incident);
  if (phase === 'Approved' || phase === 'Terminated') throw stateError(incident, 'approve');
  const out = await client.patchStatus<IncidentObject>(incidentRef(namespace, name), {
    phase: 'Approved',
    decidedBy: by,
    decidedAt: stamp(),
  });
  await clearPauseAnnotation(client, incident);
  return out;
}

/**
 * Terminate: phase Terminated with who and when, then the pod is deleted. The incident (and its
 * checkpoint evidence) stays: it has no owner reference to the pod, so garbage collection leaves it.
 */
export async function terminateIncident(
  client: K8sClient,
  namespace: string,
  name: string,
  by: string,
): Promise<IncidentObject> {
  const incident = await client.get<IncidentObject>(incidentRef(namespace, name));
  if (phaseOf(incident) === 'Terminated') throw stateError(incident, 'terminate');
  const out = await client.patchStatus<IncidentObject>(incidentRef(namespace, name), {
    phase: 'Terminated',
    decidedBy: by,
    decidedAt: stamp(),
  });
  await deleteIncidentPod(client, incident);
  return out;
}
