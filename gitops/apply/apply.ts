// Applies a rendered revision to the cluster with server-side apply (field manager
// `semamesh-gitops`, forced so hand edits are taken back), labels every object with its source,
// detects and reverts drift, and prunes what left the repository.
import { createHash } from 'node:crypto';
import { type InventoryEntry, withDefaults } from '../../api/index.js';
import {
  isK8sError,
  type K8sClient,
  type KubeObject,
  type ObjectRef,
  SEMAMESH_KINDS,
} from '../../kube/index.js';
import { errorMessage, GitopsError } from '../errors.js';
import { APPLIED_KINDS, objectKey, type RenderedObject } from '../render/index.js';

export const FIELD_MANAGER = 'semamesh-gitops';
/** `<namespace>.<name>` of the SemaPolicySource that owns the object. */
export const SOURCE_LABEL = 'semamesh.io/source';
/** Digest of the object as the repository defines it; equal digests + different live spec = drift. */
export const DIGEST_ANNOTATION = 'semamesh.io/source-digest';

export interface ApplyOutcome {
  created: string[];
  configured: string[];
  /** Objects whose live state differed from the repository's while the repository had not changed. */
  driftCorrected: string[];
  unchanged: number;
  pruned: string[];
  inventory: InventoryEntry[];
  /** Every object of the revision with the digest it carries once applied (for the sync barrier). */
  synced: { kind: string; namespace?: string; name: string; digest: string }[];
}

export interface ApplyRequest {
  sourceId: string;
  objects: readonly RenderedObject[];
  prune: boolean;
  fieldManager?: string;
}

function canonicalJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    return v;
  };
  return JSON.stringify(sort(value ?? null));
}

/** Writes in flight at once: enough to hide round trips, few enough not to flood the API server. */
const APPLY_CONCURRENCY = 8;

/** Runs `fn` over `items` with at most `limit` at a time; the first failure rejects (others finish). */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < items.length && failure === undefined) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure;
}

const hash = (v: unknown) => createHash('sha256').update(canonicalJson(v)).digest('hex').slice(0, 32);

const describe = (o: { kind: string; metadata: { namespace?: string; name: string } }) =>
  `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/** The object sent with server-side apply: what the repository says plus our label and digest. */
export function desiredObject(obj: RenderedObject, sourceId: string): KubeObject {
  const digest = hash({ kind: obj.kind, metadata: obj.metadata, spec: obj.spec });
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    metadata: {
      ...obj.metadata,
      labels: { ...obj.metadata.labels, [SOURCE_LABEL]: sourceId },
      annotations: { ...obj.metadata.annotations, [DIGEST_ANNOTATION]: digest },
    },
    spec: obj.spec,
  };
}

/**
 * A JSON merge patch that removes what a hand edit left behind after a forced apply: fields we do
 * not send but another manager set (server-side apply never deletes those). A field we do not send
 * is dropped when the schema has no default for it or its value differs from that default (the API
 * server then fills the default in again).
 */
export function extraFieldsPatch(
  live: unknown,
  sent: unknown,
  expected: unknown,
): Record<string, unknown> | undefined {
  const isMap = (v: unknown): v is Record<string, unknown> =>
    !!v && typeof v === 'object' && !Array.isArray(v);
  if (!isMap(live) || !isMap(sent)) return undefined;
  const exp = isMap(expected) ? expected : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(live)) {
    if (sent[k] === undefined) {
      if (exp[k] === undefined || canonicalJson(v) !== canonicalJson(exp[k])) out[k] = null;
    } else {
      const nested = extraFieldsPatch(v, sent[k], exp[k]);
      if (nested) out[k] = nested;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

interface Prepared {
  sourceId: string;
  desired: KubeObject;
  expectedSpec: unknown;
  expectedJson: string;
}

/**
 * The reconciler hands in the same rendered objects every interval until a new commit arrives, so
 * what derives from them alone (labels, digest, schema defaults) is computed once per object.
 */
const prepared = new WeakMap<RenderedObject, Prepared>();

function prepare(obj: RenderedObject, sourceId: string): Prepared {
  const hit = prepared.get(obj);
  if (hit?.sourceId === sourceId) return hit;
  const desired = desiredObject(obj, sourceId);
  const expectedSpec = withDefaults(desired).spec;
  const p = { sourceId, desired, expectedSpec, expectedJson: canonicalJson(expectedSpec) };
  prepared.set(obj, p);
  return p;
}

const sameSpec = (live: KubeObject, p: Prepared) =>
  live.metadata.labels?.[SOURCE_LABEL] === p.desired.metadata.labels?.[SOURCE_LABEL] &&
  live.metadata.annotations?.[DIGEST_ANNOTATION] === p.desired.metadata.annotations?.[DIGEST_ANNOTATION] &&
  canonicalJson(live.spec) === p.expectedJson;

function wrapK8s(
  err: unknown,
  what: string,
  code: 'SM_ERR_GITOPS_APPLY' | 'SM_ERR_GITOPS_PRUNE',
): GitopsError {
  if (err instanceof GitopsError) return err;
  // A rejected object (schema, admission) will be rejected again until the repository changes.
  const stalls = isK8sError(err, 'SM_ERR_K8S_INVALID') || isK8sError(err, 'SM_ERR_K8S_FORBIDDEN');
  return new GitopsError(code, `${what}: ${errorMessage(err)}`, {
    cause: err,
    disposition: stalls ? 'stalling' : 'waiting',
    reason: code === 'SM_ERR_GITOPS_APPLY' ? 'ApplyFailed' : 'PruneFailed',
  });
}

/**
 * Applies and prunes. Objects that already match are not written at all, so a no-op resync costs
 * one list per kind. Throws GitopsError; objects applied before a failure stay applied (the next
 * run converges), as with `kubectl apply`.
 */
export async function applyRevision(client: K8sClient, request: ApplyRequest): Promise<ApplyOutcome> {
  const fieldManager = request.fieldManager ?? FIELD_MANAGER;
  // One unfiltered list per kind: it gives our live objects (by label) and, for new ones, whether
  // another source already owns the name — without a GET per object.
  const existing = new Map<string, KubeObject>();
  try {
    for (const kind of APPLIED_KINDS)
      for (const o of await client.list(SEMAMESH_KINDS[kind])) existing.set(objectKey(o), o);
  } catch (err) {
    throw wrapK8s(err, 'listing objects of this source', 'SM_ERR_GITOPS_APPLY');
  }
  const live = new Map(
    [...existing].filter(([, o]) => o.metadata.labels?.[SOURCE_LABEL] === request.sourceId),
  );
  const outcome: ApplyOutcome = {
    created: [],
    configured: [],
    driftCorrected: [],
    unchanged: 0,
    pruned: [],
    inventory: [],
    synced: [],
  };
  const wanted = new Set<string>();
  const work: { obj: RenderedObject; desired: KubeObject; expectedSpec: unknown; current?: KubeObject }[] =
    [];
  for (const obj of request.objects) {
    const key = objectKey(obj);
    wanted.add(key);
    const p = prepare(obj, request.sourceId);
    const { desired, expectedSpec } = p;
    outcome.synced.push({
      kind: obj.kind,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
      digest: desired.metadata.annotations?.[DIGEST_ANNOTATION] ?? '',
    });
    outcome.inventory.push({
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      namespace: obj.metadata.namespace,
      name: obj.metadata.name,
    });
    const current = live.get(key);
    if (current && sameSpec(current, p)) {
      outcome.unchanged++;
      continue;
    }
    const owner = existing.get(key)?.metadata.labels?.[SOURCE_LABEL];
    if (!current && owner && owner !== request.sourceId)
      throw new GitopsError(
        'SM_ERR_GITOPS_OWNERSHIP',
        `${describe(obj)} (${obj.source.file}:${obj.source.line}) is managed by SemaPolicySource ${owner}`,
        { reason: 'OwnershipConflict' },
      );
    work.push({ obj, desired, expectedSpec, current });
  }
  await pool(work, APPLY_CONCURRENCY, async ({ obj, desired, expectedSpec, current }) => {
    const ref: ObjectRef = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
    };
    try {
      const applied = await client.apply(desired, { fieldManager, force: true });
      const extras = extraFieldsPatch(applied.spec, desired.spec, expectedSpec);
      if (extras) await client.mergePatch(ref, { spec: extras });
    } catch (err) {
      throw wrapK8s(
        err,
        `applying ${describe(obj)} from ${obj.source.file}:${obj.source.line}`,
        'SM_ERR_GITOPS_APPLY',
      );
    }
    if (!current) outcome.created.push(describe(obj));
    else if (
      current.metadata.annotations?.[DIGEST_ANNOTATION] === desired.metadata.annotations?.[DIGEST_ANNOTATION]
    )
      outcome.driftCorrected.push(describe(obj));
    else outcome.configured.push(describe(obj));
  });
  for (const list of [outcome.created, outcome.configured, outcome.driftCorrected]) list.sort();
  if (request.prune) {
    const candidates = new Map<string, ObjectRef>();
    for (const [key, o] of live)
      if (!wanted.has(key))
        candidates.set(key, {
          apiVersion: o.apiVersion,
          kind: o.kind,
          name: o.metadata.name,
          namespace: o.metadata.namespace,
        });
    // Only labelled objects are pruned: removing the label by hand is how a user takes an object over.
    for (const ref of candidates.values()) {
      try {
        if (await client.delete(ref)) outcome.pruned.push(describe({ kind: ref.kind, metadata: ref }));
      } catch (err) {
        throw wrapK8s(err, `pruning ${describe({ kind: ref.kind, metadata: ref })}`, 'SM_ERR_GITOPS_PRUNE');
      }
    }
  } else {
    // Without pruning, objects that left the repository stay applied and stay in the inventory.
    for (const [key, o] of live)
      if (!wanted.has(key))
        outcome.inventory.push({
          apiVersion: o.apiVersion,
          kind: o.kind,
          namespace: o.metadata.namespace,
          name: o.metadata.name,
        });
  }
  outcome.inventory.sort((a, b) =>
    objectKey({ kind: a.kind, metadata: a }).localeCompare(objectKey({ kind: b.kind, metadata: b })),
  );
  return outcome;
}
