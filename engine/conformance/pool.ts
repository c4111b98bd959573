// A small worker-thread pool for the conformance harness: one case at a time per worker, a timeout per
// case, and a replacement worker whenever one hangs or dies, so no case can stall or kill the run.
import { Worker } from 'node:worker_threads';
import type { CaseInput, CaseOutcome } from './run-case.js';
import type { Runner } from './suites.js';

/** Run the case through `semamesh eval` (module files `<modulePrefix><i>.rego`), judged by `runner`. */
export interface CliMode {
  modulePrefix: string;
  runner: Runner;
}

export interface WorkerRequest {
  index: number;
  case: CaseInput;
  /** Absent: compile and evaluate through the engine API and the SDK (run-case.ts). */
  cli?: CliMode;
}
export interface WorkerReply {
  index: number;
  outcome: CaseOutcome;
}

export interface PoolOptions {
  jobs: number;
  /** Per-case limit; a case still running then is a hang (crashed) and its worker is replaced. */
  timeoutMs: number;
  /** Overall limit; cases not started by then are reported as crashed ("not run"). */
  budgetMs?: number;
  /** Called as each case finishes (progress output). */
  onOutcome?: (index: number, outcome: CaseOutcome) => void;
  /** Through the CLI instead of the engine API. */
  cli?: CliMode;
  /** The worker module (tests substitute one that hangs or dies); default ./worker.ts. */
  workerEntry?: URL;
}

/** A worker that never becomes ready in this time counts as a failed start. */
const STARTUP_TIMEOUT_MS = 60_000;
/** Consecutive failed starts after which the run gives up (the engine cannot even load). */
const MAX_START_FAILURES = 3;

/**
 * Under tsx the worker must register tsx's loader before importing a `.ts` entry (Node 20 does not
 * apply `--import` hooks to a worker's main module); compiled `.js` is imported directly.
 */
function bootstrap(workerEntry?: URL): string {
  const entry = (
    workerEntry ?? new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url)
  ).href;
  if (!entry.endsWith('.ts')) return `import(${JSON.stringify(entry)});`;
  const api = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  retired: boolean;
  busy?: number;
  timer?: NodeJS.Timeout;
}

export function runInPool(cases: CaseInput[], options: PoolOptions): Promise<CaseOutcome[]> {
  const outcomes: (CaseOutcome | undefined)[] = new Array(cases.length);
  const started = performance.now();
  const code = bootstrap(options.workerEntry);
  let next = 0;
  let finished = 0;
  let startFailures = 0;
  let lastStartError = '';

  return new Promise((resolve) => {
    const slots = new Set<Slot>();

    const record = (index: number, outcome: CaseOutcome): void => {
      if (outcomes[index]) return;
      outcomes[index] = outcome;
      finished++;
      options.onOutcome?.(index, outcome);
    };

    const abandon = (reason: string): void => {
      while (next < cases.length) record(next++, { status: 'crashed', reason, ms: 0 });
    };

    const settle = (): void => {
      if (finished < cases.length) return;
      for (const s of slots) retire(s);
      resolve(outcomes as CaseOutcome[]);
    };

    const retire = (slot: Slot): void => {
      clearTimeout(slot.timer);
      slot.retired = true;
      slots.delete(slot);
      void slot.worker.terminate();
    };

    const dispatch = (slot: Slot): void => {
      if (options.budgetMs !== undefined && performance.now() - started > options.budgetMs)
        abandon(`not run: the time budget of ${options.budgetMs} ms was used up`);
      if (next >= cases.length) {
        retire(slot);
        settle();
        return;
      }
      const index = next++;
      slot.busy = index;
      slot.timer = setTimeout(() => {
        record(index, {
          status: 'crashed',
          reason: `timeout: no result after ${options.timeoutMs} ms`,
          ms: options.timeoutMs,
        });
        replace(slot);
      }, options.timeoutMs);
      slot.worker.postMessage({ index, case: cases[index], cli: options.cli } satisfies WorkerRequest);
    };

    /** Drops a hung or dead worker and starts another in its place (unless workers cannot start). */
    const replace = (slot: Slot, error?: string): void => {
      if (slot.retired) return;
      if (slot.busy !== undefined && !outcomes[slot.busy])
        record(slot.busy, { status: 'crashed', reason: `worker died: ${error ?? 'exited'}`, ms: 0 });
      if (!slot.ready) {
        startFailures++;
        lastStartError = error ?? 'exited before it was ready';
      }
      retire(slot);
      if (startFailures >= MAX_START_FAILURES)
        abandon(`not run: the harness worker cannot start: ${lastStartError}`);
      if (next < cases.length) spawn();
      settle();
    };

    const spawn = (): void => {
      const worker = new Worker(code, {
        eval: true,
        stdout: true,
        resourceLimits: { maxOldGenerationSizeMb: 1024 },
      });
      // Policies may print (opa_println → console.log); that output is noise in a harness run.
      worker.stdout.resume();
      const slot: Slot = { worker, ready: false, retired: false };
      slots.add(slot);
      slot.timer = setTimeout(() => replace(slot, 'not ready in time'), STARTUP_TIMEOUT_MS);
      worker.on('message', (msg: WorkerReply | { ready: true }) => {
        if ('ready' in msg) {
          clearTimeout(slot.timer);
          slot.ready = true;
          startFailures = 0;
        } else {
          clearTimeout(slot.timer);
          slot.busy = undefined;
          record(msg.index, msg.outcome);
        }
        dispatch(slot);
      });
      worker.on('error', (err) => replace(slot, err.message));
      worker.on('exit', (exitCode) => replace(slot, `exit code ${exitCode}`));
    };

    if (cases.length === 0) resolve([]);
    else for (let i = 0; i < Math.min(options.jobs, cases.length); i++) spawn();
  });
}
