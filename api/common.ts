// Schema parts shared by every kind: object metadata, the agent selector and the standard status conditions.
import { type Static, type TProperties, type TSchema, Type } from '@sinclair/typebox';
import { celRules, MapOf, Obj, PATTERNS, StringEnum, Timestamp } from './schema-helpers.js';

export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

/**
 * metav1.ObjectMeta, checked only as far as a manifest author can get it wrong; the server-owned
 * fields (`uid`, `resourceVersion`, …) stay allowed so `kubectl get -o yaml` output validates too.
 * The CRD never carries this: the API server owns the metadata schema.
 */
export const ObjectMeta = Type.Object(
  {
    name: Type.Optional(Type.String({ pattern: PATTERNS.dnsSubdomain, maxLength: 253 })),
    generateName: Type.Optional(Type.String({ maxLength: 253 })),
    namespace: Type.Optional(Type.String({ pattern: PATTERNS.dnsLabel, maxLength: 63 })),
    labels: Type.Optional(MapOf(Type.String({ pattern: PATTERNS.labelValue, maxLength: 63 }))),
    annotations: Type.Optional(MapOf(Type.String())),
  },
  {
    additionalProperties: true,
    ...celRules({
      rule: 'has(self.name) || has(self.generateName)',
      message: 'metadata.name is required',
    }),
  },
);

/** metav1.Condition, field for field, so kstatus, Argo CD and `kubectl wait --for=condition=Ready` understand it. */
export const Condition = Obj(
  {
    type: Type.String({
      description: 'Type of condition in CamelCase; `Ready` is the one that summarizes the resource.',
      pattern: PATTERNS.conditionType,
      maxLength: 316,
    }),
    status: StringEnum(CONDITION_STATUSES, { description: 'Status of the condition.' }),
    observedGeneration: Type.Optional(
      Type.Integer({
        description: 'The .metadata.generation the condition was set from.',
        minimum: 0,
        format: 'int64',
      }),
    ),
    lastTransitionTime: Timestamp({
      description: 'Last time the condition changed from one status to another.',
    }),
    reason: Type.String({
      description: 'Programmatic CamelCase identifier of the reason for the last transition.',
      pattern: PATTERNS.conditionReason,
      minLength: 1,
      maxLength: 1024,
    }),
    message: Type.String({ description: 'Human-readable details of the last transition.', maxLength: 32768 }),
  },
  { description: 'A standard Kubernetes condition (metav1.Condition).' },
);
export type Condition = Static<typeof Condition>;

/** Status fields every kind has; kinds add their own next to them. */
export function statusWith<T extends TProperties>(extra: T, description: string) {
  return Obj(
    {
      observedGeneration: Type.Optional(
        Type.Integer({
          description: 'The .metadata.generation the controller last acted on.',
          minimum: 0,
          format: 'int64',
        }),
      ),
      conditions: Type.Optional(
        Type.Array(Condition, {
          description: 'Observations of the resource state; `Ready` is the main one.',
          maxItems: 32,
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['type'],
        }),
      ),
      ...extra,
    },
    { description },
  );
}

/** Which agent pods a policy or quota governs. Every given field must match; an omitted one matches all. */
function agentSelector(namespaced: boolean) {
  return Obj(
    {
      namespaces: Type.Optional(
        Type.Array(Type.String({ pattern: PATTERNS.dnsLabel, maxLength: 63 }), {
          description: namespaced
            ? "Only the object's own namespace may be named here (a namespaced policy or quota never reaches another namespace; use the cluster-scoped kind for that). Omitted: the object's namespace."
            : 'Agent namespaces to match, by exact name. Omitted: no restriction by namespace.',
          maxItems: namespaced ? 1 : 256,
        }),
      ),
      podLabels: Type.Optional(
        MapOf(Type.String({ pattern: PATTERNS.labelValue, maxLength: 63 }), {
          description: 'Labels the agent pod must carry, all of them (matchLabels semantics).',
        }),
      ),
      serviceAccounts: Type.Optional(
        Type.Array(Type.String({ pattern: PATTERNS.dnsSubdomain, maxLength: 253 }), {
          description: 'Service account names of the agent pod, by exact name (in the agent namespace).',
          maxItems: 256,
        }),
      ),
    },
    {
      description: namespaced
        ? "Which agents of this object's namespace it applies to. Every given field must match; an omitted field matches all."
        : 'Which agents this applies to. Every given field must match; an omitted field matches all.',
    },
  );
}

/** The selector of cluster-scoped kinds: may name any namespaces. */
export const AgentSelector = agentSelector(false);
/**
 * The selector of namespaced kinds. The CRD cannot compare with metadata.namespace (CEL at the root
 * sees only name), so it allows one entry; the ValidatingAdmissionPolicy in deploy/ and the engine's
 * compile both refuse any namespace other than the object's own.
 */
export const NamespacedAgentSelector = agentSelector(true);
export type AgentSelector = Static<typeof AgentSelector>;

/** The top-level shape shared by every kind; `spec` and `status` come from the kind. */
export function resource<S extends TSchema, St extends TSchema>(description: string, spec: S, status: St) {
  return Type.Object(
    {
      apiVersion: Type.String({
        description:
          'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.',
      }),
      kind: Type.String({
        description:
          'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. In CamelCase.',
      }),
      metadata: ObjectMeta,
      spec,
      status: Type.Optional(status),
    },
    { additionalProperties: false, description },
  );
}
