// Plain object shapes the Kubernetes layer hands out (so callers outside kube never import
// @kubernetes/client-node types) and typed references to the kinds SemaMesh reads and writes.
import { API_VERSION, KINDS, type Kind } from '../api/index.js';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  managedFields?: unknown[];
  [key: string]: unknown;
}

/** Any Kubernetes object as JSON. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** Names one object: enough to read, patch or delete it. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  /** Omitted for cluster-scoped kinds; defaults to the client's namespace for namespaced ones. */
  namespace?: string;
}

/** Names a collection: a kind, optionally in one namespace. */
export interface KindRef {
  apiVersion: string;
  kind: string;
}

export interface ListOptions {
  /** Omitted: every namespace (for namespaced kinds). */
  namespace?: string;
  /** `key=value,key2 in (a,b),!key3` — the API server's label selector syntax. */
  labelSelector?: string;
  fieldSelector?: string;
}

export interface ApplyOptions {
  /** Server-side apply field manager; each writer of ours has its own (`semamesh-gitops`, …). */
  fieldManager: string;
  /** Take ownership of fields another manager set (a hand edit); true for GitOps drift correction. */
  force?: boolean;
  dryRun?: boolean;
}

export const refOf = (o: KubeObject): ObjectRef => ({
  apiVersion: o.apiVersion,
  kind: o.kind,
  name: o.metadata.name,
  ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
});

/** `SemaPolicy team-a/deny-drop` — how messages and events name an object. */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

export const SEMAMESH_KINDS: Readonly<Record<Kind, KindRef>> = Object.fromEntries(
  KINDS.map((kind) => [kind, { apiVersion: API_VERSION, kind }]),
) as Record<Kind, KindRef>;

export const CORE_KINDS = {
  Secret: { apiVersion: 'v1', kind: 'Secret' },
  ConfigMap: { apiVersion: 'v1', kind: 'ConfigMap' },
  Pod: { apiVersion: 'v1', kind: 'Pod' },
  Event: { apiVersion: 'v1', kind: 'Event' },
  Namespace: { apiVersion: 'v1', kind: 'Namespace' },
  Lease: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' },
} as const satisfies Record<string, KindRef>;

/** Secret as the API returns it (values base64 in `data`). */
export interface SecretObject {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: { name: string; namespace?: string };
  type?: string;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** Decoded Secret values (`data` base64-decoded, `stringData` merged on top as the API server does). */
export function secretValues(secret: SecretObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  for (const [k, v] of Object.entries(secret.stringData ?? {})) out[k] = v;
  return out;
}

/** Splits `group/version` (core kinds have no group). */
export function groupVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}
