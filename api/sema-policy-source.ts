// SemaPolicySource: a Git repository of SemaMesh manifests and Rego that is synced into the cluster (Flux style).
import { type Static, Type } from '@sinclair/typebox';
import { resource, statusWith } from './common.js';
import { celRules, Duration, Obj, PATTERNS, Timestamp } from './schema-helpers.js';

export const GitRef = Obj(
  {
    branch: Type.Optional(Type.String({ description: 'Branch to follow.', minLength: 1, maxLength: 255 })),
    tag: Type.Optional(Type.String({ description: 'Tag to check out.', minLength: 1, maxLength: 255 })),
    semver: Type.Optional(
      Type.String({
        description: 'Semantic version range (e.g. `>=1.2.0 <2`); the highest matching tag is used.',
        minLength: 1,
        maxLength: 255,
      }),
    ),
    commit: Type.Optional(
      Type.String({ description: 'Full commit id to pin to.', pattern: PATTERNS.gitCommit, maxLength: 64 }),
    ),
  },
  {
    description: "Which revision to sync; at most one field. Omitted: the remote's default branch.",
    ...celRules({
      rule: '(has(self.branch) ? 1 : 0) + (has(self.tag) ? 1 : 0) + (has(self.semver) ? 1 : 0) + (has(self.commit) ? 1 : 0) <= 1',
      message: 'set at most one of branch, tag, semver or commit',
    }),
  },
);
export type GitRef = Static<typeof GitRef>;

export const SemaPolicySourceSpec = Obj(
  {
    url: Type.String({
      description: 'Repository URL, https:// or http://.',
      pattern: PATTERNS.httpUrl,
      maxLength: 2048,
    }),
    ref: Type.Optional(GitRef),
    path: Type.Optional(
      Type.String({
        description: 'Directory inside the repository to read, relative to its root.',
        default: '.',
        minLength: 1,
        maxLength: 1024,
        ...celRules({
          rule: "!self.startsWith('/') && !self.matches('(^|/)[.][.](/|$)')",
          message: 'path must be relative and must not contain ".." segments',
        }),
      }),
    ),
    interval: Type.Optional(Duration({ description: 'How often the repository is checked.', default: '5m' })),
    timeout: Type.Optional(Duration({ description: 'Timeout of one fetch.', default: '60s' })),
    prune: Type.Optional(
      Type.Boolean({
        description: 'Delete resources this source applied earlier that are no longer in the repository.',
        default: true,
      }),
    ),
    suspend: Type.Optional(
      Type.Boolean({ description: 'Stop syncing without deleting anything.', default: false }),
    ),
    secretRef: Type.Optional(
      Obj(
        {
          name: Type.String({
            description: 'Name of a Secret in the same namespace.',
            pattern: PATTERNS.dnsSubdomain,
            maxLength: 253,
          }),
        },
        {
          description:
            'Secret with credentials for the repository: `username` and `password` (a token goes in `password`).',
        },
      ),
    ),
  },
  { description: 'SemaPolicySourceSpec says where the policy repository is and how to sync it.' },
);
export type SemaPolicySourceSpec = Static<typeof SemaPolicySourceSpec>;

export const Artifact = Obj(
  {
    revision: Type.String({ description: 'Revision of the synced content, e.g. `main@sha1:<commit>`.' }),
    digest: Type.String({ description: 'Digest of the rendered manifests.', pattern: PATTERNS.digest }),
    lastUpdateTime: Timestamp({ description: 'When this artifact was produced.' }),
  },
  { description: 'What the last successful fetch produced.' },
);
export type Artifact = Static<typeof Artifact>;

export const InventoryEntry = Obj(
  {
    apiVersion: Type.Optional(
      Type.String({ description: 'API version of the object, e.g. semamesh.io/v1alpha1.' }),
    ),
    kind: Type.String({ description: 'Kind of the object.', minLength: 1 }),
    namespace: Type.Optional(Type.String({ description: 'Namespace; empty for cluster-scoped objects.' })),
    name: Type.String({ description: 'Name of the object.', minLength: 1 }),
  },
  { description: 'An object this source applied.' },
);
export type InventoryEntry = Static<typeof InventoryEntry>;

export const SemaPolicySourceStatus = statusWith(
  {
    lastAppliedRevision: Type.Optional(Type.String({ description: 'Revision last applied successfully.' })),
    lastAttemptedRevision: Type.Optional(
      Type.String({ description: 'Revision last tried, successfully or not.' }),
    ),
    artifact: Type.Optional(Artifact),
    inventory: Type.Optional(
      Type.Array(InventoryEntry, { description: 'Objects applied from this source, used for pruning.' }),
    ),
  },
  'SemaPolicySourceStatus is the observed state of a SemaPolicySource.',
);
export type SemaPolicySourceStatus = Static<typeof SemaPolicySourceStatus>;

export const SemaPolicySource = resource(
  'SemaPolicySource syncs SemaMesh policies and quotas from a Git repository.',
  SemaPolicySourceSpec,
  SemaPolicySourceStatus,
);
export type SemaPolicySource = Static<typeof SemaPolicySource>;
