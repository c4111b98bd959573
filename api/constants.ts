// Names of the semamesh.io API: group, version, kinds and their plural, singular and short names.

export const GROUP = 'semamesh.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** Every kind of the semamesh.io group, in the order they are documented and generated. */
export const KINDS = [
  'SemaPolicy',
  'SemaQuota',
  'SemaPolicySource',
  'SemaIncident',
  'SemaClusterPolicy',
  'SemaClusterQuota',
] as const;
export type Kind = (typeof KINDS)[number];

/**
 * Kinds that exist once per cluster. A namespaced SemaPolicy / SemaQuota governs only its own
 * namespace (a tenant); cluster-wide rules need these kinds, which only cluster admins can write.
 */
export const CLUSTER_KINDS: readonly Kind[] = ['SemaClusterPolicy', 'SemaClusterQuota'];

export function isClusterScoped(kind: Kind): boolean {
  return CLUSTER_KINDS.includes(kind);
}

export interface KindNames {
  kind: Kind;
  listKind: string;
  plural: string;
  singular: string;
  shortNames: string[];
}

export const KIND_NAMES: Readonly<Record<Kind, KindNames>> = {
  SemaPolicy: {
    kind: 'SemaPolicy',
    listKind: 'SemaPolicyList',
    plural: 'semapolicies',
    singular: 'semapolicy',
    shortNames: ['spol'],
  },
  SemaQuota: {
    kind: 'SemaQuota',
    listKind: 'SemaQuotaList',
    plural: 'semaquotas',
    singular: 'semaquota',
    shortNames: ['squota'],
  },
  SemaPolicySource: {
    kind: 'SemaPolicySource',
    listKind: 'SemaPolicySourceList',
    plural: 'semapolicysources',
    singular: 'semapolicysource',
    shortNames: ['spsrc'],
  },
  SemaIncident: {
    kind: 'SemaIncident',
    listKind: 'SemaIncidentList',
    plural: 'semaincidents',
    singular: 'semaincident',
    shortNames: ['sinc'],
  },
  SemaClusterPolicy: {
    kind: 'SemaClusterPolicy',
    listKind: 'SemaClusterPolicyList',
    plural: 'semaclusterpolicies',
    singular: 'semaclusterpolicy',
    shortNames: ['scpol'],
  },
  SemaClusterQuota: {
    kind: 'SemaClusterQuota',
    listKind: 'SemaClusterQuotaList',
    plural: 'semaclusterquotas',
    singular: 'semaclusterquota',
    shortNames: ['scquota'],
  },
};

/** Plural resource names by kind, as used in REST paths (`/apis/semamesh.io/v1alpha1/.../<plural>`). */
export const PLURALS: Readonly<Record<Kind, string>> = Object.fromEntries(
  KINDS.map((k) => [k, KIND_NAMES[k].plural]),
) as Record<Kind, string>;

/** kubectl category: `kubectl get semamesh` lists every SemaMesh resource. */
export const CATEGORY = 'semamesh';

/** The condition every kind reports; Flux kstatus and Argo CD read health from it. */
export const CONDITION_READY = 'Ready';

export function isKind(value: unknown): value is Kind {
  return typeof value === 'string' && (KINDS as readonly string[]).includes(value);
}
