// A small pool of analysis worker threads: the cache misses of a request with much fresh text are
// analysed off the event loop, so one 2 MB prompt does not stall the requests beside it. Fail
// closed: a worker that errors, dies or overruns its time refuses the request with
// SM_ERR_WAYPOINT_ANALYSIS_FAILED (never a partial or skipped check) and is replaced. A worker left
// idle for `idleMs` is stopped (its heap is ~26 MB of the event loop's RSS) and started again by the
// next batch that needs one.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Vocabulary } from '../../../intent/index.js';
import { analysisFailed } from '../../errors.js';
import type { AnalysisJob, TextFeatures } from './analyse.js';
import type { AnalysisRequest } from './analysis-worker.js';

export interface AnalysisPoolOptions {
  /** Worker threads (default: 2, or 1 on a single CPU). */
  size?: number;
  /**
   * Longest one request's analysis may take in a worker before it is refused (default 30 s; the
   * analysis budget is far below it, so this catches a stuck worker, not a slow machine). A new
   * worker's start-up is not counted.
   */
  timeoutMs?: number;
  /**
   * How long a worker may sit idle before it is stopped (default 60 s: a burst of large requests
   * keeps its workers warm, a waypoint that saw one large request an hour ago does not keep paying
   * for them). The next batch starts a new one, whose start-up is not counted against its time.
   */
  idleMs?: number;
}

type Reply = { ready: true } | { id: number; results: TextFeatures[] } | { id: number; error: string };

interface Task {
  id: number;
  request: AnalysisRequest;
  resolve: (r: TextFeatures[]) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  task?: Task;
  timer?: NodeJS.Timeout;
  /** Stops the worker once it has been idle for idleMs. */
  idle?: NodeJS.Timeout;
  dead: boolean;
  /** The worker has loaded the analyser (its start-up is not counted against a batch's time). */
  ready: boolean;
}

/** How the worker module is started: as JavaScript from dist/, through tsx from the sources. */
function bootstrap(): string {
  const entry = new URL(
    import.meta.url.endsWith('.ts') ? './analysis-worker.ts' : './analysis-worker.js',
    import.meta.url,
  ).href;
  if (!entry.endsWith('.ts')) return `import(${JSON.stringify(entry)});`;
  const api = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
}

export class AnalysisPool {
  private readonly size: number;
  private readonly timeoutMs: number;
  private readonly idleMs: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  /** Batches refused because a worker failed or overran (also visible as 503s in the request metrics). */
  failures = 0;
  /** Batches analysed in a worker. */
  completed = 0;
  /** Workers stopped after idleMs without work. */
  idleStops = 0;

  constructor(options: AnalysisPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? Math.min(2, availableParallelism()));
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.idleMs = options.idleMs ?? 60_000;
  }

  /** Live workers (started and not stopped). */
  get workers(): number {
    return this.slots.length;
  }

  /** Analyses one request's jobs in a worker; rejects with a coded error, never resolves partially. */
  run(vocabulary: Vocabulary, jobs: AnalysisJob[]): Promise<TextFeatures[]> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.queue.push({ id, request: { id, vocabulary, jobs }, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops the workers; queued and running batches are refused. */
  async close(): Promise<void> {
    for (const t of this.queue.splice(0)) t.reject(analysisFailed('the waypoint is shutting down'));
    await Promise.all(this.slots.splice(0).map((s) => this.retire(s, 'the waypoint is shutting down')));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.task && !s.dead);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const task = this.queue.shift()!;
      slot.task = task;
      clearTimeout(slot.idle);
      // A busy worker keeps the process alive until it answers; an idle one does not.
      slot.worker.ref();
      if (slot.ready) this.startTimer(slot);
      slot.worker.postMessage(task.request);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(bootstrap(), { eval: true, resourceLimits: { maxOldGenerationSizeMb: 512 } });
    const slot: Slot = { worker, dead: false, ready: false };
    this.slots.push(slot);
    worker.on('message', (m: Reply) => {
      if ('ready' in m) {
        slot.ready = true;
        if (slot.task) this.startTimer(slot);
        return;
      }
      const task = slot.task;
      if (!task || task.id !== m.id) return;
      clearTimeout(slot.timer);
      slot.task = undefined;
      slot.worker.unref();
      if ('error' in m) {
        this.failures++;
        task.reject(analysisFailed(m.error));
      } else {
        this.completed++;
        task.resolve(m.results);
      }
      this.stopWhenIdle(slot);
      this.dispatch();
    });
    worker.on('error', (err) => void this.retire(slot, err.message));
    worker.on('exit', (code) => void this.retire(slot, `the analysis worker exited (${code})`));
    // Idle workers do not keep the process alive (after the listeners: adding one refs the port).
    worker.unref();
    return slot;
  }

  private startTimer(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.timer = setTimeout(() => {
      void this.retire(slot, `no result after ${this.timeoutMs} ms`);
    }, this.timeoutMs);
  }

  private stopWhenIdle(slot: Slot): void {
    clearTimeout(slot.idle);
    slot.idle = setTimeout(() => {
      if (slot.task || slot.dead) return;
      this.idleStops++;
      void this.retire(slot, 'idle');
    }, this.idleMs);
    slot.idle.unref();
  }

  /** Drops a worker, refusing the batch it held; the next batch starts a fresh one. */
  private async retire(slot: Slot, reason: string): Promise<void> {
    if (slot.dead) return;
    slot.dead = true;
    clearTimeout(slot.timer);
    clearTimeout(slot.idle);
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    if (slot.task) {
      this.failures++;
      slot.task.reject(analysisFailed(reason));
      slot.task = undefined;
    }
    await slot.worker.terminate().catch(() => undefined);
    this.dispatch();
  }
}
