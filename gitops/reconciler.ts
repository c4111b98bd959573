// Reconciles one SemaPolicySource in Flux's shape: get → status patcher → sub-steps (source, build,
// apply) with one signature → a deferred step that summarizes conditions and writes status once.
// The error's disposition decides what happens next: Stalled (wait for a change) or a jittered retry.

import {
  type Condition,
  parseDuration,
  type SemaPolicySourceSpec,
  type SemaPolicySourceStatus,
} from '../api/index.js';
import {
  type EventRecorder,
  isK8sError,
  type K8sClient,
  type KubeObject,
  SEMAMESH_KINDS,
  type SecretObject,
  secretValues,
} from '../kube/index.js';
import { type ApplyOutcome, applyRevision, FIELD_MANAGER } from './apply/index.js';
import {
  type ConditionType,
  type ConditionValue,
  EVENT_REASONS,
  REASONS,
  setCondition,
} from './conditions.js';
import { errorMessage, GitopsError } from './errors.js';
import { formatRenderDiagnostic, type RenderResult, renderDirectory } from './render/index.js';
import {
  type FetchedSource,
  type GitCredentials,
  type GitSourceCache,
  normalizeRepoPath,
} from './source/index.js';

export interface SourceRef {
  namespace: string;
  name: string;
}

export interface ReconcileResult {
  /** When to run again; undefined for a suspended or deleted source. */
  requeueAfterMs?: number;
  ready: boolean;
  revision?: string;
  error?: GitopsError;
  outcome?: ApplyOutcome;
}

export interface BackoffOptions {
  /** First retry delay after a transient failure. Default 2 s. */
  baseMs?: number;
  /** Ceiling of the retry delay (never above the interval). Default 5 min. */
  maxMs?: number;
}

/** One object a sync wrote, as the policy compiler will see it once its watch catches up. */
export interface SyncedObject {
  kind: string;
  namespace?: string;
  name: string;
  /** The DIGEST_ANNOTATION value the applied object carries. */
  digest: string;
}

/**
 * Lets the policy compiler wait for a whole sync: `begin` before the first write, then `done` with
 * every object the sync wants (so the compiler can wait until its caches hold all of them) or
 * `abort` when the sync failed half way (the objects applied so far stay, like `kubectl apply`).
 */
export interface SyncBarrier {
  begin(sourceId: string): { done(objects: SyncedObject[]): void; abort(): void };
}

export interface ReconcilerDeps {
  client: K8sClient;
  /** One complete bundle per sync: the compiler holds off while a sync applies (controller/main.ts). */
  syncBarrier?: SyncBarrier;
  cache: GitSourceCache;
  recorder?: EventRecorder;
  fieldManager?: string;
  backoff?: BackoffOptions;
  now?: () => Date;
  random?: () => number;
  log?: (message: string) => void;
}

type SourceObject = KubeObject & { spec: SemaPolicySourceSpec; status?: SemaPolicySourceStatus };

/** What the sub-steps share and fill in, in order. */
interface ReconcileContext {
  obj: SourceObject;
  sourceId: string;
  path: string;
  fetched?: FetchedSource;
  rendered?: RenderResult;
  outcome?: ApplyOutcome;
}

type Step = (ctx: ReconcileContext) => Promise<void>;

const MAX_DIAGNOSTICS_IN_STATUS = 10;

/** Held on every SemaPolicySource so its objects can be garbage-collected when it is deleted. */
export const FINALIZER = 'semamesh.io/gitops';

export const sourceIdOf = (ref: SourceRef) => `${ref.namespace}.${ref.name}`;

/** Bounds a duration from the spec; a value the schema let through but we cannot parse falls back. */
function durationMs(text: string | undefined, fallback: number): number {
  const ms = text ? parseDuration(text) : undefined;
  return ms && ms > 0 ? ms : fallback;
}

export class SourceReconciler {
  private readonly failures = new Map<string, number>();
  private readonly renders = new Map<string, { key: string; result: RenderResult }>();
  private readonly now: () => Date;
  private readonly random: () => number;

  constructor(private readonly deps: ReconcilerDeps) {
    this.now = deps.now ?? (() => new Date());
    this.random = deps.random ?? Math.random;
  }

  async reconcile(ref: SourceRef): Promise<ReconcileResult> {
    const { client } = this.deps;
    const id = sourceIdOf(ref);
    let obj: SourceObject;
    try {
      const found = await client.find<SourceObject>({ ...SEMAMESH_KINDS.SemaPolicySource, ...ref });
      if (!found) {
        this.forget(id);
        return { ready: false };
      }
      obj = found;
    } catch (err) {
      return this.retryLater(
        id,
        new GitopsError('SM_ERR_GITOPS_STATUS', `reading the source: ${errorMessage(err)}`, { cause: err }),
        60_000,
      );
    }
    const interval = durationMs(obj.spec.interval, 5 * 60_000);
    if (obj.metadata.deletionTimestamp) return this.reconcileDelete(obj, id, interval);
    if (obj.spec.suspend) {
      this.deps.log?.(`${id}: suspended, not reconciling`);
      return { ready: false };
    }
    if (!obj.metadata.finalizers?.includes(FINALIZER)) {
      // Added before anything is applied, so a deletion racing the first sync still garbage-collects.
      try {
        obj = await this.setFinalizers(obj, [...(obj.metadata.finalizers ?? []), FINALIZER]);
      } catch (err) {
        return this.retryLater(
          id,
          new GitopsError('SM_ERR_GITOPS_STATUS', `adding the finalizer: ${errorMessage(err)}`, {
            cause: err,
          }),
          interval,
        );
      }
    }
    const ctx: ReconcileContext = { obj, sourceId: id, path: '.' };
    const steps: Step[] = [
      (c) => this.reconcileSource(c),
      (c) => this.reconcileBuild(c),
      (c) => this.reconcileApply(c),
    ];
    let error: GitopsError | undefined;
    try {
      ctx.path = normalizeRepoPath(obj.spec.path);
      for (const step of steps) await step(ctx);
    } catch (err) {
      error =
        err instanceof GitopsError
          ? err
          : new GitopsError('SM_ERR_GITOPS_APPLY', `unexpected failure: ${errorMessage(err)}`, {
              cause: err,
            });
    } finally {
      await this.summarizeAndPatch(ctx, error);
    }
    if (error) {
      if (error.disposition === 'stalling') {
        this.failures.delete(id);
        return { requeueAfterMs: interval, ready: false, revision: ctx.fetched?.revision, error };
      }
      return this.retryLater(id, error, interval, ctx.fetched?.revision);
    }
    this.failures.delete(id);
    return { requeueAfterMs: interval, ready: true, revision: ctx.fetched?.revision, outcome: ctx.outcome };
  }

  /**
   * The source is being deleted: with `prune` (and not suspended) every object it applied is deleted,
   * as Flux's Kustomization garbage-collects; then the finalizer is removed so the deletion completes.
   */
  private async reconcileDelete(obj: SourceObject, id: string, interval: number): Promise<ReconcileResult> {
    try {
      if ((obj.spec.prune ?? true) && !obj.spec.suspend) {
        const outcome = await applyRevision(this.deps.client, {
          sourceId: id,
          objects: [],
          prune: true,
          fieldManager: this.deps.fieldManager ?? FIELD_MANAGER,
        });
        if (outcome.pruned.length > 0)
          await this.deps.recorder?.normal(
            obj,
            EVENT_REASONS.Pruned,
            `source deleted: pruned ${outcome.pruned.join(', ')}`,
          );
      }
      if (obj.metadata.finalizers?.includes(FINALIZER))
        await this.setFinalizers(
          obj,
          obj.metadata.finalizers.filter((f) => f !== FINALIZER),
        );
    } catch (err) {
      const error =
        err instanceof GitopsError
          ? err
          : new GitopsError('SM_ERR_GITOPS_PRUNE', `garbage collection: ${errorMessage(err)}`, {
              cause: err,
            });
      return this.retryLater(id, error, interval);
    }
    this.forget(id);
    return { ready: false };
  }

  /** Merge patch of the finalizer list, guarded by resourceVersion so a concurrent writer is not overwritten. */
  private async setFinalizers(obj: SourceObject, finalizers: string[]): Promise<SourceObject> {
    return this.deps.client.mergePatch<SourceObject>(
      { ...SEMAMESH_KINDS.SemaPolicySource, name: obj.metadata.name, namespace: obj.metadata.namespace },
      { metadata: { finalizers, resourceVersion: obj.metadata.resourceVersion } },
    );
  }

  /** Drops what is remembered about a deleted source. */
  forget(sourceId: string): void {
    this.failures.delete(sourceId);
    this.renders.delete(sourceId);
  }

  /** Jittered exponential backoff: base·2^(n-1), ×[0.5, 1.5), capped by maxMs and the interval. */
  private retryLater(id: string, error: GitopsError, interval: number, revision?: string): ReconcileResult {
    const attempt = (this.failures.get(id) ?? 0) + 1;
    this.failures.set(id, attempt);
    const base = this.deps.backoff?.baseMs ?? 2000;
    const cap = Math.min(this.deps.backoff?.maxMs ?? 5 * 60_000, interval);
    const delay = Math.min(cap, base * 2 ** Math.min(attempt - 1, 20)) * (0.5 + this.random());
    return { requeueAfterMs: Math.max(1, Math.round(Math.min(delay, cap))), ready: false, revision, error };
  }

  private async credentials(obj: SourceObject): Promise<GitCredentials | undefined> {
    const name = obj.spec.secretRef?.name;
    if (!name) return undefined;
    let secret: SecretObject & KubeObject;
    try {
      secret = await this.deps.client.get<SecretObject & KubeObject>({
        apiVersion: 'v1',
        kind: 'Secret',
        name,
        namespace: obj.metadata.namespace,
      });
    } catch (err) {
      if (isK8sError(err, 'SM_ERR_K8S_NOT_FOUND'))
        throw new GitopsError(
          'SM_ERR_GITOPS_SECRET',
          `Secret ${obj.metadata.namespace}/${name} (spec.secretRef) not found`,
          {
            cause: err,
            reason: REASONS.SecretNotFound,
          },
        );
      throw new GitopsError('SM_ERR_GITOPS_SECRET', `reading Secret ${name}: ${errorMessage(err)}`, {
        cause: err,
        disposition: 'waiting',
        reason: REASONS.SecretNotFound,
      });
    }
    const v = secretValues(secret);
    const caCert = v['ca.crt'];
    if (v.bearerToken) return { bearerToken: v.bearerToken, caCert };
    if (v.password !== undefined || v.token !== undefined)
      return { username: v.username, password: v.password ?? v.token, caCert };
    if (caCert) return { caCert };
    throw new GitopsError(
      'SM_ERR_GITOPS_SECRET',
      `Secret ${name} has none of the keys password, bearerToken or ca.crt`,
      {
        reason: REASONS.SecretNotFound,
      },
    );
  }

  /** Step 1: credentials, then fetch the ref (a no-op when the remote has not moved). */
  private async reconcileSource(ctx: ReconcileContext): Promise<void> {
    const credentials = await this.credentials(ctx.obj);
    ctx.fetched = await this.deps.cache.fetch({
      url: ctx.obj.spec.url,
      ref: ctx.obj.spec.ref,
      path: ctx.path,
      credentials,
      timeoutMs: durationMs(ctx.obj.spec.timeout, 60_000),
    });
  }

  /** Step 2: validate and compile the whole revision; any error stops here, before the cluster. */
  private async reconcileBuild(ctx: ReconcileContext): Promise<void> {
    const fetched = ctx.fetched as FetchedSource;
    const namespace = ctx.obj.metadata.namespace ?? 'default';
    const key = `${fetched.commit}\u0000${ctx.path}\u0000${namespace}`;
    const cached = this.renders.get(ctx.sourceId);
    if (cached?.key === key) ctx.rendered = cached.result;
    else {
      ctx.rendered = await renderDirectory({
        root: fetched.dir,
        path: ctx.path,
        defaultNamespace: namespace,
        revision: fetched.revision,
      });
      this.renders.set(ctx.sourceId, { key, result: ctx.rendered });
    }
    // A source writes into its own namespace only: it may not place policies in another tenant's.
    const outside = ctx.rendered.objects.filter((o) => (o.metadata.namespace ?? namespace) !== namespace);
    if (outside.length > 0)
      throw new GitopsError(
        'SM_ERR_GITOPS_NAMESPACE',
        `revision ${fetched.revision}: a SemaPolicySource in ${namespace} writes only into ${namespace}; ${outside
          .slice(0, MAX_DIAGNOSTICS_IN_STATUS)
          .map(
            (o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name} (${o.source.file}:${o.source.line})`,
          )
          .join(', ')} reach outside; nothing was applied`,
        { reason: REASONS.ValidationFailed },
      );
    const errors = ctx.rendered.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      const shown = errors.slice(0, MAX_DIAGNOSTICS_IN_STATUS).map(formatRenderDiagnostic);
      const more = errors.length > shown.length ? `\n… and ${errors.length - shown.length} more` : '';
      throw new GitopsError(
        'SM_ERR_GITOPS_INVALID_CONTENT',
        `revision ${fetched.revision} has ${errors.length} error(s); nothing was applied:\n${shown.join('\n')}${more}`,
        { reason: REASONS.ValidationFailed },
      );
    }
  }

  /** Step 3: server-side apply, drift correction and prune, then Events for what changed. */
  private async reconcileApply(ctx: ReconcileContext): Promise<void> {
    const rendered = ctx.rendered as RenderResult;
    const gate = this.deps.syncBarrier?.begin(ctx.sourceId);
    let outcome: ApplyOutcome;
    try {
      outcome = await applyRevision(this.deps.client, {
        sourceId: ctx.sourceId,
        objects: rendered.objects,
        prune: ctx.obj.spec.prune ?? true,
        fieldManager: this.deps.fieldManager ?? FIELD_MANAGER,
      });
    } catch (err) {
      gate?.abort();
      throw err;
    }
    gate?.done(outcome.synced);
    ctx.outcome = outcome;
    const rec = this.deps.recorder;
    const revision = ctx.fetched?.revision ?? '';
    if (outcome.driftCorrected.length > 0)
      await rec?.warning(
        ctx.obj,
        EVENT_REASONS.DriftCorrected,
        `reverted changes made outside Git to ${outcome.driftCorrected.join(', ')} (revision ${revision})`,
      );
    const changes = [
      outcome.created.length ? `created ${outcome.created.join(', ')}` : '',
      outcome.configured.length ? `configured ${outcome.configured.join(', ')}` : '',
      outcome.pruned.length ? `pruned ${outcome.pruned.join(', ')}` : '',
    ].filter(Boolean);
    if (changes.length > 0)
      await rec?.normal(ctx.obj, EVENT_REASONS.Applied, `revision ${revision}: ${changes.join('; ')}`);
  }

  /** The deferred step: derive every condition from the outcome and write status once. */
  private async summarizeAndPatch(ctx: ReconcileContext, error: GitopsError | undefined): Promise<void> {
    const { obj } = ctx;
    const now = this.now();
    const generation = obj.metadata.generation;
    const old = obj.status ?? {};
    const status: SemaPolicySourceStatus = { ...old };
    let conditions: Condition[] = [...(old.conditions ?? [])];
    const set = (type: ConditionType, value: ConditionValue | undefined) => {
      conditions = setCondition(conditions, type, value, generation, now);
    };
    if (ctx.fetched) status.lastAttemptedRevision = ctx.fetched.revision;
    if (!error) {
      const fetched = ctx.fetched as FetchedSource;
      const rendered = ctx.rendered as RenderResult;
      status.lastAppliedRevision = fetched.revision;
      if (old.artifact?.revision !== fetched.revision || old.artifact?.digest !== rendered.digest)
        status.artifact = {
          revision: fetched.revision,
          digest: rendered.digest,
          lastUpdateTime: `${now.toISOString().slice(0, 19)}Z`,
        };
      status.inventory = ctx.outcome?.inventory ?? [];
      set('Ready', {
        status: 'True',
        reason: REASONS.Succeeded,
        message: `Applied revision: ${fetched.revision}`,
      });
      for (const t of ['Reconciling', 'Stalled', 'FetchFailed', 'BuildFailed'] as const) set(t, undefined);
      const wasFailing = old.conditions?.some((c) => c.type === 'Ready' && c.status === 'False');
      if (wasFailing)
        await this.deps.recorder?.normal(
          obj,
          EVENT_REASONS.Recovered,
          `revision ${fetched.revision} applied`,
        );
    } else {
      const reason =
        error.reason ?? (error.disposition === 'stalling' ? REASONS.ApplyFailed : REASONS.GitOperationFailed);
      const fetchStage = !ctx.fetched;
      set('FetchFailed', fetchStage ? { status: 'True', reason, message: error.message } : undefined);
      set(
        'BuildFailed',
        error.code === 'SM_ERR_GITOPS_INVALID_CONTENT'
          ? { status: 'True', reason, message: error.message }
          : undefined,
      );
      set('Ready', { status: 'False', reason, message: error.message });
      if (error.disposition === 'stalling') {
        set('Stalled', { status: 'True', reason, message: error.message });
        set('Reconciling', undefined);
      } else {
        set('Stalled', undefined);
        set('Reconciling', {
          status: 'True',
          reason: REASONS.ProgressingWithRetry,
          message: `retrying: ${error.message}`,
        });
      }
      const previous = old.conditions?.find((c) => c.type === 'Ready');
      if (previous?.message !== error.message || previous?.status !== 'False')
        await this.deps.recorder?.warning(obj, reason, error.message);
    }
    status.conditions = conditions;
    status.observedGeneration = generation;
    if (JSON.stringify(status) === JSON.stringify(old)) return;
    try {
      await this.deps.client.patchStatus(
        { ...SEMAMESH_KINDS.SemaPolicySource, name: obj.metadata.name, namespace: obj.metadata.namespace },
        status,
      );
    } catch (err) {
      this.deps.log?.(`${ctx.sourceId}: cannot write status: ${errorMessage(err)}`);
    }
  }
}
