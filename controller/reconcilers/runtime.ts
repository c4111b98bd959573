// The small reconciler framework every SemaMesh controller uses (Flux source-controller's shape):
// get → patcher → sub-steps with one signature → a deferred summarize-and-patch-status, with the
// error type deciding what happens next, and a de-duplicating work queue with rate-limited requeue.

import type { EventRecorder, K8sClient, KubeObject } from '../../kube/index.js';
import { isK8sError, refOf } from '../../kube/index.js';
import { ControllerError, errorText } from '../errors.js';
import { type Condition, type Reason, removeCondition, setCondition } from './conditions.js';

/** Needs a human: the object gets Stalled=True and is not retried until it changes. */
export class StallingError extends ControllerError {
  constructor(
    readonly reason: Reason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('SM_ERR_CONTROLLER_STALLED', message, options);
    this.name = 'StallingError';
  }
}

/** Waits on something outside the reconcile: Reconciling=True and a requeue after `requeueAfterMs`. */
export class WaitingError extends ControllerError {
  constructor(
    readonly reason: Reason,
    message: string,
    readonly requeueAfterMs: number,
  ) {
    super('SM_ERR_CONTROLLER_WAITING', message);
    this.name = 'WaitingError';
  }
}

export interface ReadyResult {
  reason: Reason;
  message: string;
}

/** What a sub-step hands back: the Ready reason it established, and a periodic requeue. */
export interface StepResult {
  ready?: ReadyResult;
  requeueAfterMs?: number;
}

export interface StepContext<T extends KubeObject> {
  obj: T;
  patcher: Patcher;
  client: K8sClient;
  events?: EventRecorder;
}

/** The one signature of a sub-step; steps run in order and the first throw ends the reconcile. */
export type Step<T extends KubeObject> = (ctx: StepContext<T>) => Promise<StepResult | undefined>;

/**
 * Holds the object's status as read and a working copy the steps change; `patch()` sends only the
 * top-level status fields that changed (a JSON merge patch), so fields other writers own — the node
 * agent's phase and checkpoint, kubectl sema's decision — are never overwritten with stale values.
 */
export class Patcher {
  readonly original: Record<string, unknown>;
  status: Record<string, unknown>;

  constructor(
    private readonly client: K8sClient,
    readonly obj: KubeObject,
  ) {
    this.original = structuredClone((obj.status as Record<string, unknown> | undefined) ?? {});
    this.status = structuredClone(this.original);
  }

  get conditions(): Condition[] {
    return (this.status.conditions as Condition[] | undefined) ?? [];
  }

  setCondition(type: string, status: Condition['status'], reason: string, message: string): void {
    this.status.conditions = setCondition(this.conditions, {
      type,
      status,
      reason,
      message,
      observedGeneration: this.obj.metadata.generation,
    });
  }

  removeCondition(type: string): void {
    this.status.conditions = removeCondition(this.conditions, type);
  }

  /** The merge patch of `status` that turns the original into the working copy; empty when equal. */
  diff(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const keys = new Set([...Object.keys(this.original), ...Object.keys(this.status)]);
    for (const k of keys) {
      const a = this.original[k];
      const b = this.status[k];
      if (JSON.stringify(a) === JSON.stringify(b)) continue;
      out[k] = b === undefined ? null : b;
    }
    return out;
  }

  /** Writes the status once; returns false when there was nothing to write or the object is gone. */
  async patch(): Promise<boolean> {
    const diff = this.diff();
    if (Object.keys(diff).length === 0) return false;
    try {
      // Named field manager: `kubectl get -o yaml --show-managed-fields` shows who wrote the status.
      await this.client.patchStatus(refOf(this.obj), diff, { fieldManager: 'semamesh-controller' });
      return true;
    } catch (err) {
      if (isK8sError(err, 'SM_ERR_K8S_NOT_FOUND')) return false;
      throw err;
    }
  }
}

export interface ReconcileOutcome {
  requeueAfterMs?: number;
  /** Ready status after the reconcile, for logs and tests. */
  ready: Condition['status'];
  reason: string;
  wrote: boolean;
}

/**
 * Runs the steps on a fresh patcher and always summarizes: success → Ready=True (the last step's
 * reason), Stalling → Ready=False + Stalled=True, Waiting → Ready=False/Unknown + Reconciling=True,
 * anything else → Ready=False ReconcileError and a rethrow so the queue backs off.
 * `observedGeneration` moves only when the controller finished acting on the generation.
 */
export async function reconcileObject<T extends KubeObject>(
  client: K8sClient,
  obj: T,
  steps: Step<T>[],
  options: {
    events?: EventRecorder /** After the status was written (or found unchanged). */;
    onSummary?: (p: Patcher) => void;
  } = {},
): Promise<ReconcileOutcome> {
  const patcher = new Patcher(client, obj);
  const before = patcher.conditions.find((c) => c.type === 'Ready');
  const generation = obj.metadata.generation;
  let ready: ReadyResult = { reason: 'Compiled', message: 'reconciled' };
  let requeueAfterMs: number | undefined;
  let failure: unknown;
  try {
    for (const step of steps) {
      const r = await step({ obj, patcher, client, events: options.events });
      if (r?.ready) ready = r.ready;
      if (r?.requeueAfterMs !== undefined)
        requeueAfterMs = Math.min(requeueAfterMs ?? Infinity, r.requeueAfterMs);
    }
    patcher.setCondition('Ready', 'True', ready.reason, ready.message);
    patcher.removeCondition('Reconciling');
    patcher.removeCondition('Stalled');
    if (generation !== undefined) patcher.status.observedGeneration = generation;
  } catch (err) {
    failure = err;
    if (err instanceof StallingError) {
      patcher.setCondition('Ready', 'False', err.reason, err.message);
      patcher.setCondition('Stalled', 'True', err.reason, err.message);
      patcher.removeCondition('Reconciling');
      if (generation !== undefined) patcher.status.observedGeneration = generation;
    } else if (err instanceof WaitingError) {
      patcher.setCondition('Ready', before?.status === 'True' ? 'Unknown' : 'False', err.reason, err.message);
      patcher.setCondition('Reconciling', 'True', err.reason, err.message);
      patcher.removeCondition('Stalled');
      requeueAfterMs = err.requeueAfterMs;
    } else {
      patcher.setCondition('Ready', 'False', 'ReconcileError', errorText(err));
      patcher.setCondition('Reconciling', 'True', 'ReconcileError', errorText(err));
    }
  }
  const wrote = await patcher.patch();
  options.onSummary?.(patcher);
  const after = patcher.conditions.find((c) => c.type === 'Ready');
  if (options.events && after && (after.status !== before?.status || after.reason !== before?.reason)) {
    const warn = after.status === 'False' && !(failure instanceof WaitingError);
    await options.events.event(obj, warn ? 'Warning' : 'Normal', after.reason, after.message);
  }
  if (failure && !(failure instanceof StallingError) && !(failure instanceof WaitingError))
    throw new ControllerError('SM_ERR_CONTROLLER_RECONCILE', errorText(failure), { cause: failure });
  return { requeueAfterMs, ready: after?.status ?? 'Unknown', reason: after?.reason ?? '', wrote };
}

export interface WorkQueueOptions {
  /** Keys handled at the same time. Default 4. */
  concurrency?: number;
  /** Per-key exponential backoff after a failure: base and cap. Defaults 200 ms and 60 s. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  onError?: (key: string, err: unknown) => void;
}

export type QueueHandler = (key: string) => Promise<{ requeueAfterMs?: number } | undefined>;

/**
 * client-go's workqueue semantics: a key is queued at most once, never handled by two workers at
 * once (re-added while running → handled again after), failures back off per key, successes reset.
 */
export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private idleWaiters: (() => void)[] = [];
  private active = 0;
  private stopped = true;
  private readonly o: Required<Omit<WorkQueueOptions, 'onError'>> & Pick<WorkQueueOptions, 'onError'>;

  constructor(
    private readonly handler: QueueHandler,
    options: WorkQueueOptions = {},
  ) {
    this.o = { concurrency: 4, baseDelayMs: 200, maxDelayMs: 60_000, ...options };
  }

  start(): void {
    this.stopped = false;
    this.pump();
  }

  /** Drops everything queued or scheduled; running handlers finish. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.queued.clear();
    this.dirty.clear();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.failures.clear();
    this.notifyIdle();
  }

  get length(): number {
    return this.queue.length + this.running.size + this.timers.size;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  addAfter(key: string, ms: number): void {
    if (this.stopped) return;
    const prev = this.timers.get(key);
    if (prev) clearTimeout(prev);
    const t = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, ms);
    t.unref?.();
    this.timers.set(key, t);
  }

  /** Resolves when nothing is queued or running (scheduled requeues do not count). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private notifyIdle(): void {
    if (this.queue.length !== 0 || this.active !== 0) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const f of w) f();
  }

  private pump(): void {
    while (!this.stopped && this.active < this.o.concurrency && this.queue.length > 0) {
      const key = this.queue.shift() as string;
      this.queued.delete(key);
      this.running.add(key);
      this.active++;
      void this.run(key);
    }
  }

  private async run(key: string): Promise<void> {
    try {
      const r = await this.handler(key);
      this.failures.delete(key);
      if (r?.requeueAfterMs !== undefined) this.addAfter(key, r.requeueAfterMs);
    } catch (err) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      this.o.onError?.(key, err);
      this.addAfter(key, Math.min(this.o.maxDelayMs, this.o.baseDelayMs * 2 ** Math.min(n - 1, 20)));
    } finally {
      this.running.delete(key);
      this.active--;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
      this.notifyIdle();
    }
  }
}

/** `Kind/namespace/name`, the queue key of an object. */
export const keyOf = (o: KubeObject): string => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export function parseKey(key: string): { kind: string; namespace: string; name: string } {
  const [kind, namespace, ...rest] = key.split('/');
  return { kind, namespace, name: rest.join('/') };
}
