// SemaIncident: the record of an agent that was paused or blocked, and of the human decision that followed.
import { type Static, Type } from '@sinclair/typebox';
import { resource, statusWith } from './common.js';
import { Obj, PATTERNS, StringEnum, Timestamp } from './schema-helpers.js';

export const INCIDENT_ACTIONS = ['PAUSE', 'BLOCK'] as const;
export const INCIDENT_PHASES = ['Pending', 'Paused', 'Approved', 'Terminated', 'Failed'] as const;
export type IncidentPhase = (typeof INCIDENT_PHASES)[number];
export const CHECKPOINT_METHODS = ['kubelet', 'criu', 'gcore', 'none'] as const;

export const IncidentAgent = Obj(
  {
    namespace: Type.String({
      description: 'Namespace of the agent pod.',
      pattern: PATTERNS.dnsLabel,
      maxLength: 63,
    }),
    pod: Type.String({
      description: 'Name of the agent pod.',
      pattern: PATTERNS.dnsSubdomain,
      maxLength: 253,
    }),
    serviceAccount: Type.Optional(
      Type.String({
        description: 'Service account of the pod.',
        pattern: PATTERNS.dnsSubdomain,
        maxLength: 253,
      }),
    ),
    container: Type.Optional(
      Type.String({ description: 'Container that made the request.', maxLength: 253 }),
    ),
    cgroup: Type.Optional(
      Type.String({ description: 'cgroup v2 path of the container, as seen on the node.' }),
    ),
  },
  { description: 'The agent the incident is about.' },
);
export type IncidentAgent = Static<typeof IncidentAgent>;

export const SemaIncidentSpec = Obj(
  {
    agent: IncidentAgent,
    policy: Type.String({
      description: 'The SemaPolicy (or SemaQuota, for loop detection) that decided, as namespace/name.',
      minLength: 1,
      maxLength: 317,
    }),
    rule: Type.String({ description: 'The rule that matched.', minLength: 1, maxLength: 253 }),
    reason: Type.String({
      description: "Why the rule matched, from the rule's message and matched intents; never prompt text.",
      maxLength: 1024,
    }),
    action: StringEnum(INCIDENT_ACTIONS, { description: 'The decision that opened the incident.' }),
    detectedAt: Timestamp({ description: 'When the waypoint made the decision.' }),
    requestDigest: Type.String({
      description:
        'SHA-256 (hex) of the offending request body, to correlate with audit logs. The incident never holds prompt text or secrets.',
      pattern: PATTERNS.sha256Hex,
    }),
  },
  { description: 'SemaIncidentSpec records what happened; it is written once by the waypoint.' },
);
export type SemaIncidentSpec = Static<typeof SemaIncidentSpec>;

export const Checkpoint = Obj(
  {
    path: Type.Optional(Type.String({ description: 'Where the forensic copy was written on the node.' })),
    method: Type.Optional(
      StringEnum(CHECKPOINT_METHODS, {
        description: 'How the copy was made: kubelet checkpoint API, CRIU, a gcore memory dump, or none.',
      }),
    ),
    error: Type.Optional(Type.String({ description: 'Why no copy could be made.', maxLength: 4096 })),
  },
  { description: 'The forensic copy of the paused container.' },
);
export type Checkpoint = Static<typeof Checkpoint>;

export const SemaIncidentStatus = statusWith(
  {
    phase: Type.Optional(
      StringEnum(INCIDENT_PHASES, {
        description:
          'Pending: recorded, not yet frozen; Paused: frozen, waiting for a human; Approved: thawed; Terminated: pod deleted, evidence kept; Failed: the pause could not be carried out.',
      }),
    ),
    checkpoint: Type.Optional(Checkpoint),
    decidedBy: Type.Optional(
      Type.String({ description: 'Who approved or terminated the agent.', maxLength: 256 }),
    ),
    decidedAt: Type.Optional(Timestamp({ description: 'When the decision was made.' })),
  },
  'SemaIncidentStatus tracks the pause and the human decision.',
);
export type SemaIncidentStatus = Static<typeof SemaIncidentStatus>;

export const SemaIncident = resource(
  'SemaIncident records an AI agent that SemaMesh paused or blocked, for a human to approve or terminate.',
  SemaIncidentSpec,
  SemaIncidentStatus,
);
export type SemaIncident = Static<typeof SemaIncident>;
