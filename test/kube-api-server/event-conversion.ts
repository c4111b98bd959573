// events.k8s.io/v1 Events are a second view of core/v1 Events (one storage, as in the real server):
// the field renames between the two shapes, and the field selectors the new API accepts.
import type { KubeObject } from './resource-types.js';

/** events.k8s.io/v1 field → core/v1 field (same values, other names). */
const RENAMES: [string, string][] = [
  ['regarding', 'involvedObject'],
  ['note', 'message'],
  ['reportingController', 'reportingComponent'],
  ['deprecatedSource', 'source'],
  ['deprecatedFirstTimestamp', 'firstTimestamp'],
  ['deprecatedLastTimestamp', 'lastTimestamp'],
  ['deprecatedCount', 'count'],
];

function rename(obj: KubeObject, pairs: [string, string][], apiVersion: string): KubeObject {
  const out: KubeObject = { ...obj, apiVersion, kind: 'Event' };
  for (const [from, to] of pairs) {
    if (from in out) {
      out[to] = out[from];
      delete out[from];
    }
  }
  return out;
}

export function eventToCore(obj: KubeObject): KubeObject {
  return rename(obj, RENAMES, 'v1');
}

export function eventFromCore(obj: KubeObject): KubeObject {
  return rename(
    obj,
    RENAMES.map(([a, b]) => [b, a]),
    'events.k8s.io/v1',
  );
}

/** events.k8s.io/v1 selector names, read from the stored (core) shape. */
export const EVENTS_V1_FIELD_ALIASES: Record<string, string> = {
  'regarding.kind': 'involvedObject.kind',
  'regarding.namespace': 'involvedObject.namespace',
  'regarding.name': 'involvedObject.name',
  'regarding.uid': 'involvedObject.uid',
  'regarding.apiVersion': 'involvedObject.apiVersion',
  'regarding.resourceVersion': 'involvedObject.resourceVersion',
  'regarding.fieldPath': 'involvedObject.fieldPath',
  reportingController: 'reportingComponent',
  reason: 'reason',
  type: 'type',
};
