// Host side of the instruction budget compiled into every policy (wasm/fuel.ts). The module counts
// its own steps and, with a budget lower than "unmetered", calls `semamesh_fuel_spent` when it runs
// out. Two ways to turn a deadline in milliseconds into that budget:
//   - clock (our engine's normal case): the module was patched at load (wasm/fuel-refill.ts) so the
//     spent path asks `refill` for the next slice of SLICE_STEPS; `refill` compares the clock with
//     the deadline and refills nothing once it has passed, and the module traps. A deadline is met to
//     within one slice.
//   - rate (fallback, when a module cannot be patched): the module traps when the budget is spent, so
//     the whole deadline is budgeted up front at the rate this module's evaluations of the same
//     entrypoint have shown; approximate, since a step's cost varies.
import { type EngineError, evalTimeout } from './errors.js';
import { FUEL_BUDGET_GLOBAL, FUEL_GLOBAL, UNMETERED } from './wasm/fuel.js';

/**
 * Steps per millisecond assumed before an entrypoint has shown its own rate. Deliberately low (a
 * step of generated code costs ~10-100 ns once compiled, more on a first, not yet optimised run): an
 * evaluation that spends it before half its time is up is run again with the rate it showed (see
 * `settle`), so a low guess costs time (the retry may end up to half a deadline late) rather than a
 * wrong timeout; a high one would let a runaway evaluation overrun by the factor it is off.
 */
export const DEFAULT_RATE = 2_000;
/** Evaluations shorter than this say more about call overhead than about step cost: not sampled. */
const MIN_SAMPLE_MS = 0.5;
/** Weight of a new sample in the running rate (recent evaluations count most). */
const SAMPLE_WEIGHT = 0.5;
/**
 * Steps per slice in clock mode: the deadline is checked once a slice. Measured at ~0.2-0.3 ms a
 * slice in generated loops (more when a step is a long runtime call, such as growing a large set);
 * a refill, one builtin call through the SDK, costs a few microseconds of that.
 */
export const SLICE_STEPS = 5_000;
/** Runs of one evaluation at most (the first, and retries after budgets spent early). */
const MAX_ATTEMPTS = 4;

/** A WebAssembly.Global as far as we use it (Node's typings here lack the WebAssembly namespace). */
interface I32Global {
  value: number;
}
const isGlobal = (g: unknown): g is I32Global =>
  typeof g === 'object' && g !== null && typeof (g as { value?: unknown }).value === 'number';

interface Armed {
  entrypoint: string | number;
  timeoutMs: number;
  /** When the evaluation (its first run) started, and when this run started. */
  start: number;
  runStart: number;
  budget: number;
  attempts: number;
  /** Clock mode: the deadline passed and `refill` gave nothing (the module then traps). */
  expired: boolean;
}

/** How an evaluation's run ended, as far as the budget is concerned. */
export type Settled = { kind: 'done' } | { kind: 'timeout'; error: EngineError } | { kind: 'retry' };

export class FuelGauge {
  private counter: I32Global | undefined;
  private budget: I32Global | undefined;
  private armed: Armed | undefined;
  /** Measured steps per millisecond, per entrypoint. */
  private readonly rates = new Map<string | number, number>();

  /** Clock mode: the module was patched to call `refill` (set before the first evaluation). */
  clock = false;

  /** `initialRate`: steps per millisecond assumed before an entrypoint has shown its own. */
  constructor(private readonly initialRate = DEFAULT_RATE) {}

  /**
   * The builtin `semamesh.fuel_refill` of a patched module: the next slice, or a spent counter once
   * the deadline has passed. Returns nothing (the SDK then hands the module no value).
   */
  readonly refill = (): undefined => {
    if (!this.counter) return undefined;
    const armed = this.armed;
    if (!armed) this.counter.value = UNMETERED;
    else if (performance.now() - armed.start < armed.timeoutMs) this.counter.value = SLICE_STEPS;
    else {
      armed.expired = true;
      this.counter.value = 0;
    }
    return undefined;
  };

  /** Finds the module's fuel globals (absent when it was compiled without the meter). */
  attach(exports: Record<string, unknown>): void {
    const counter = exports[FUEL_GLOBAL];
    const budget = exports[FUEL_BUDGET_GLOBAL];
    if (!isGlobal(counter) || !isGlobal(budget)) return;
    this.counter = counter;
    this.budget = budget;
  }

  get metered(): boolean {
    return this.counter !== undefined;
  }

  /** Steps per millisecond the next evaluation of `entrypoint` is budgeted at. */
  rate(entrypoint: string | number): number {
    return this.rates.get(entrypoint) ?? this.initialRate;
  }

  /** Sets the budget for one evaluation of `entrypoint` (unlimited without a positive timeout). */
  arm(timeoutMs: number | undefined, entrypoint: string | number): void {
    this.armed = undefined;
    if (!this.budget) return;
    if (timeoutMs === undefined || timeoutMs <= 0) {
      this.budget.value = UNMETERED;
      return;
    }
    const now = performance.now();
    this.armed = { entrypoint, timeoutMs, start: now, runStart: now, budget: 0, attempts: 0, expired: false };
    if (this.clock) this.budget.value = SLICE_STEPS;
    else this.setBudget(this.armed);
  }

  /**
   * Ends a run of the armed evaluation and learns the entrypoint's rate from it. `timeout` when the
   * budget stopped it near its deadline (the error to throw in place of the trap, which says
   * nothing itself); `retry` when it stopped well before (the rate was underestimated): the caller
   * runs the evaluation again, whose budget is now what the time left is worth at the measured rate
   * (Rego is side-effect free, so running it again changes nothing but the time spent).
   */
  settle(): Settled {
    const armed = this.armed;
    if (!armed || !this.counter) return { kind: 'done' };
    if (this.clock) {
      this.armed = undefined;
      return armed.expired ? { kind: 'timeout', error: evalTimeout(armed.timeoutMs) } : { kind: 'done' };
    }
    const now = performance.now();
    const elapsed = now - armed.runStart;
    const left = this.counter.value;
    if (elapsed >= MIN_SAMPLE_MS) {
      const sample = (armed.budget - Math.max(0, left)) / elapsed;
      const old = this.rates.get(armed.entrypoint);
      this.rates.set(armed.entrypoint, old === undefined ? sample : old + SAMPLE_WEIGHT * (sample - old));
    }
    if (left >= 1) {
      this.armed = undefined;
      return { kind: 'done' };
    }
    const remaining = armed.timeoutMs - (now - armed.start);
    if (remaining > armed.timeoutMs / 2 && armed.attempts < MAX_ATTEMPTS) {
      // Spent too early: at the rate this run showed, the whole deadline buys more.
      if (elapsed > 0)
        this.rates.set(armed.entrypoint, Math.max(this.rate(armed.entrypoint), armed.budget / elapsed));
      armed.runStart = now;
      this.setBudget(armed);
      return { kind: 'retry' };
    }
    this.armed = undefined;
    return { kind: 'timeout', error: evalTimeout(armed.timeoutMs) };
  }

  /** A run's budget: the whole deadline at the entrypoint's rate (a retry redoes the work). */
  private setBudget(armed: Armed): void {
    armed.attempts++;
    armed.budget = Math.min(
      UNMETERED - 1,
      Math.max(1, Math.round(armed.timeoutMs * this.rate(armed.entrypoint))),
    );
    if (this.budget) this.budget.value = armed.budget;
  }
}
