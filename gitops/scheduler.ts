// Runs every SemaPolicySource on its own clock: an informer notices new and changed sources, each
// source is reconciled at most once at a time, then requeued after its interval (or its backoff),
// and a webhook can pull a run forward.
import { type K8sClient, type KindWatch, SEMAMESH_KINDS, watchKind } from '../kube/index.js';
import { errorMessage } from './errors.js';
import { type ReconcileResult, type SourceReconciler, type SourceRef, sourceIdOf } from './reconciler.js';

export interface SchedulerOptions {
  client: K8sClient;
  reconciler: SourceReconciler;
  /** Only watch this namespace; every namespace when omitted. */
  namespace?: string;
  /** Sources reconciled at the same time. Default 4. */
  concurrency?: number;
  /** Called after every reconcile (metrics, logs, tests). */
  onResult?: (ref: SourceRef, result: ReconcileResult) => void;
  log?: (message: string) => void;
}

interface Entry {
  ref: SourceRef;
  generation?: number;
  timer?: NodeJS.Timeout;
  running: boolean;
  /** A run was asked for while one was in progress: run again right after. */
  again: boolean;
  waiters: ((r: ReconcileResult) => void)[];
}

export class SourceScheduler {
  private readonly entries = new Map<string, Entry>();
  private readonly queue: Entry[] = [];
  private active = 0;
  private watch?: KindWatch;
  private stopped = false;

  constructor(private readonly options: SchedulerOptions) {}

  async start(): Promise<void> {
    this.watch = await watchKind(this.options.client, SEMAMESH_KINDS.SemaPolicySource, {
      namespace: this.options.namespace,
      onAdd: (o) =>
        this.observe(
          { namespace: o.metadata.namespace ?? 'default', name: o.metadata.name },
          o.metadata.generation,
        ),
      onUpdate: (o) =>
        this.observe(
          { namespace: o.metadata.namespace ?? 'default', name: o.metadata.name },
          o.metadata.generation,
        ),
      onDelete: (o) => this.remove({ namespace: o.metadata.namespace ?? 'default', name: o.metadata.name }),
      onError: (err) => this.options.log?.(`watch of SemaPolicySources failed (restarting): ${err.message}`),
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.watch?.stop();
    for (const e of this.entries.values()) if (e.timer) clearTimeout(e.timer);
    this.entries.clear();
  }

  /** Is this source known (watched)? The webhook answers 404 otherwise. */
  has(ref: SourceRef): boolean {
    return this.entries.has(sourceIdOf(ref));
  }

  /** Runs the source now (or right after the run in progress); resolves with that run's result. */
  trigger(ref: SourceRef): Promise<ReconcileResult> {
    const entry = this.entry(ref);
    return new Promise((resolve) => {
      entry.waiters.push(resolve);
      this.enqueue(entry);
    });
  }

  /** Status writes bump resourceVersion, not generation: only spec changes (and new sources) run now. */
  private observe(ref: SourceRef, generation: number | undefined): void {
    const known = this.entries.get(sourceIdOf(ref));
    if (known && known.generation === generation) return;
    const entry = this.entry(ref);
    entry.generation = generation;
    this.enqueue(entry);
  }

  private remove(ref: SourceRef): void {
    const id = sourceIdOf(ref);
    const e = this.entries.get(id);
    if (e?.timer) clearTimeout(e.timer);
    this.entries.delete(id);
    this.options.reconciler.forget(id);
  }

  private entry(ref: SourceRef): Entry {
    const id = sourceIdOf(ref);
    let e = this.entries.get(id);
    if (!e) {
      e = { ref, running: false, again: false, waiters: [] };
      this.entries.set(id, e);
    }
    return e;
  }

  private enqueue(entry: Entry): void {
    if (this.stopped) return;
    if (entry.timer) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
    }
    if (entry.running) {
      entry.again = true;
      return;
    }
    if (!this.queue.includes(entry)) this.queue.push(entry);
    this.pump();
  }

  private pump(): void {
    const limit = this.options.concurrency ?? 4;
    while (this.active < limit && this.queue.length > 0) {
      const entry = this.queue.shift() as Entry;
      this.active++;
      entry.running = true;
      void this.run(entry).finally(() => {
        this.active--;
        entry.running = false;
        if (entry.again && !this.stopped && this.entries.get(sourceIdOf(entry.ref)) === entry) {
          entry.again = false;
          this.enqueue(entry);
        }
        this.pump();
      });
    }
  }

  private async run(entry: Entry): Promise<void> {
    let result: ReconcileResult;
    try {
      result = await this.options.reconciler.reconcile(entry.ref);
    } catch (err) {
      // The reconciler maps its own failures; this is a last line of defence against a bug.
      this.options.log?.(`${sourceIdOf(entry.ref)}: reconcile threw: ${errorMessage(err)}`);
      result = { ready: false, requeueAfterMs: 60_000 };
    }
    this.options.onResult?.(entry.ref, result);
    for (const w of entry.waiters.splice(0)) w(result);
    if (this.stopped || this.entries.get(sourceIdOf(entry.ref)) !== entry) return;
    if (result.requeueAfterMs !== undefined && !entry.again) {
      entry.timer = setTimeout(() => {
        entry.timer = undefined;
        this.enqueue(entry);
      }, result.requeueAfterMs);
      entry.timer.unref?.();
    }
  }
}
