// What the server knows about each kind it serves: names, scope, verbs, subresources, the field
// selectors it accepts and how lists merge, for the built-in kinds and for kinds declared by CRDs.

import { EVENTS_V1_FIELD_ALIASES, eventFromCore, eventToCore } from './event-conversion.js';

export type KubeObject = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, unknown>;
};

/** How a list field merges (strategic merge patch and server-side apply). */
export type ListStrategy = { type: 'map'; keys: string[] } | { type: 'set' } | { type: 'atomic' };

/** Gives the list strategy for a field path such as `['spec', 'containers']` (list indexes omitted). */
export type ListStrategyLookup = (path: readonly string[]) => ListStrategy;

export interface ResourceType {
  group: string;
  /** Every served version; objects are stored once and returned with the requested apiVersion. */
  versions: string[];
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  statusSubresource: boolean;
  /** Sets metadata.generation and bumps it when the object's spec part changes. */
  hasGeneration: boolean;
  /** Custom resources refuse PUT without metadata.resourceVersion; most built-ins accept it. */
  allowUnconditionalUpdate: boolean;
  custom: boolean;
  /** Field selector keys beyond metadata.name / metadata.namespace, with how to read them. */
  fieldSelectors: Record<string, (obj: KubeObject) => string | undefined>;
  listStrategy: ListStrategyLookup;
  /** Set for custom resources: the name of the CRD that declared them. */
  crdName?: string;
  /** Where objects live; another kind's storage when this kind is a second view of it. */
  storage: { group: string; plural: string };
  /** Present for views: between this kind's shape and the stored one. */
  convert?: { toStorage(obj: KubeObject): KubeObject; fromStorage(obj: KubeObject): KubeObject };
}

export const STANDARD_VERBS = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];

function read(obj: KubeObject, path: string): string | undefined {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return undefined;
  return typeof cur === 'string' ? cur : String(cur);
}

function fields(...paths: string[]): Record<string, (obj: KubeObject) => string | undefined> {
  const out: Record<string, (obj: KubeObject) => string | undefined> = {};
  for (const p of paths) out[p] = (obj) => read(obj, p);
  return out;
}

/**
 * Merge keys of the core/apps lists that strategic merge and apply treat as maps; the keys are the
 * `patchMergeKey` / `listMapKeys` of the Kubernetes Go types, by field name.
 */
const BUILTIN_LIST_KEYS: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  ports: ['containerPort', 'protocol'],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
  imagePullSecrets: ['name'],
  hostAliases: ['ip'],
  conditions: ['type'],
  containerStatuses: ['name'],
  initContainerStatuses: ['name'],
  resourceClaims: ['name'],
  ownerReferences: ['uid'],
  topologySpreadConstraints: ['topologyKey', 'whenUnsatisfiable'],
};
const BUILTIN_SET_LISTS = new Set(['finalizers']);

export const builtinListStrategy: ListStrategyLookup = (path) => {
  const last = path[path.length - 1] ?? '';
  // `ports` of a Service merge by port, of a container by containerPort; only containers are here.
  const keys = BUILTIN_LIST_KEYS[last];
  if (keys) return { type: 'map', keys: last === 'ports' ? ['containerPort'] : keys };
  if (BUILTIN_SET_LISTS.has(last)) return { type: 'set' };
  return { type: 'atomic' };
};

/** Metadata lists are the same for every kind, custom or not. */
export function metadataListStrategy(path: readonly string[]): ListStrategy | undefined {
  if (path[0] !== 'metadata') return undefined;
  const last = path[path.length - 1];
  if (last === 'ownerReferences') return { type: 'map', keys: ['uid'] };
  if (last === 'finalizers') return { type: 'set' };
  return { type: 'atomic' };
}

interface BuiltinSpec {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  status?: boolean;
  generation?: boolean;
  fieldSelectors?: string[];
}

const EVENT_FIELDS = [
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
];

const BUILTINS: BuiltinSpec[] = [
  {
    group: '',
    version: 'v1',
    plural: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
    shortNames: ['ns'],
    status: true,
    fieldSelectors: ['status.phase'],
  },
  {
    group: '',
    version: 'v1',
    plural: 'pods',
    kind: 'Pod',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    status: true,
    generation: true,
    fieldSelectors: [
      'spec.nodeName',
      'spec.restartPolicy',
      'spec.schedulerName',
      'spec.serviceAccountName',
      'spec.hostNetwork',
      'status.phase',
      'status.podIP',
      'status.nominatedNodeName',
    ],
  },
  { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true, fieldSelectors: ['type'] },
  { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] },
  {
    group: '',
    version: 'v1',
    plural: 'events',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
    fieldSelectors: EVENT_FIELDS,
  },
  {
    group: '',
    version: 'v1',
    plural: 'serviceaccounts',
    kind: 'ServiceAccount',
    namespaced: true,
    shortNames: ['sa'],
  },
  {
    group: '',
    version: 'v1',
    plural: 'services',
    kind: 'Service',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    status: true,
  },
  {
    group: '',
    version: 'v1',
    plural: 'nodes',
    kind: 'Node',
    namespaced: false,
    shortNames: ['no'],
    status: true,
    fieldSelectors: ['spec.unschedulable'],
  },
  {
    group: 'events.k8s.io',
    version: 'v1',
    plural: 'events',
    kind: 'Event',
    namespaced: true,
    shortNames: ['ev'],
  },
  { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true },
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    plural: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    status: true,
    generation: true,
  },
  {
    group: 'apps',
    version: 'v1',
    plural: 'deployments',
    kind: 'Deployment',
    namespaced: true,
    shortNames: ['deploy'],
    categories: ['all'],
    status: true,
    generation: true,
  },
  {
    group: 'apps',
    version: 'v1',
    plural: 'daemonsets',
    kind: 'DaemonSet',
    namespaced: true,
    shortNames: ['ds'],
    categories: ['all'],
    status: true,
    generation: true,
  },
];

export function builtinResourceTypes(): ResourceType[] {
  const types = BUILTINS.map((b) => ({
    group: b.group,
    versions: [b.version],
    plural: b.plural,
    singular: b.kind.toLowerCase(),
    kind: b.kind,
    listKind: `${b.kind}List`,
    namespaced: b.namespaced,
    shortNames: b.shortNames ?? [],
    categories: b.categories ?? [],
    statusSubresource: b.status ?? false,
    hasGeneration: b.generation ?? false,
    allowUnconditionalUpdate: true,
    custom: false,
    fieldSelectors: fields(...(b.fieldSelectors ?? [])),
    listStrategy: builtinListStrategy,
    storage: { group: b.group, plural: b.plural },
  })) as ResourceType[];
  const eventsV1 = types.find((t) => t.group === 'events.k8s.io')!;
  eventsV1.storage = { group: '', plural: 'events' };
  eventsV1.convert = { toStorage: eventToCore, fromStorage: eventFromCore };
  eventsV1.fieldSelectors = {};
  for (const [alias, core] of Object.entries(EVENTS_V1_FIELD_ALIASES))
    eventsV1.fieldSelectors[alias] = (obj) => read(obj, core);
  return types;
}
