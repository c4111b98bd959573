// Host side of the instruction budget compiled into every policy (wasm/fuel.ts). The module counts
// its own steps and traps when the budget we give it is spent; it cannot ask us for the time (that
// would need an import or a builtin OPA's engines lack), so a deadline in milliseconds is turned into
// a budget in steps by the rate this module's evaluations of the same entrypoint have shown, and a
// trap with the counter spent is reported as the deadline.
import { type EngineError, evalTimeout } from './errors.js';
import { FUEL_BUDGET_GLOBAL, FUEL_GLOBAL, UNMETERED } from './wasm/fuel.js';

/**
 * Steps per millisecond assumed before an entrypoint has shown its own rate: about what tight
 * generated loops reach on a fast core (the metering test's scan runs ~30-60k/ms). Erring high
 * lets a first slow evaluation run past its deadline (by the factor it is slower) rather than stop
 * a legitimate one early; from then on the entrypoint's measured rate is used.
 */
export const DEFAULT_RATE = 100_000;
/** Evaluations shorter than this say more about call overhead than about step cost: not sampled. */
const MIN_SAMPLE_MS = 0.5;
/** Weight of a new sample in the running rate (recent evaluations count most). */
const SAMPLE_WEIGHT = 0.5;

/** A WebAssembly.Global as far as we use it (Node's typings here lack the WebAssembly namespace). */
interface I32Global {
  value: number;
}
const isGlobal = (g: unknown): g is I32Global =>
  typeof g === 'object' && g !== null && typeof (g as { value?: unknown }).value === 'number';

interface Armed {
  entrypoint: string | number;
  timeoutMs: number;
  budget: number;
  start: number;
}

export class FuelGauge {
  private counter: I32Global | undefined;
  private budget: I32Global | undefined;
  private armed: Armed | undefined;
  /** Measured steps per millisecond, per entrypoint. */
  private readonly rates = new Map<string | number, number>();

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
    return this.rates.get(entrypoint) ?? DEFAULT_RATE;
  }

  /** Sets the budget for one evaluation of `entrypoint` (unlimited without a positive timeout). */
  arm(timeoutMs: number | undefined, entrypoint: string | number): void {
    if (!this.budget) return;
    if (timeoutMs === undefined || timeoutMs <= 0) {
      this.armed = undefined;
      this.budget.value = UNMETERED;
      return;
    }
    const budget = Math.min(UNMETERED - 1, Math.max(1, Math.round(timeoutMs * this.rate(entrypoint))));
    this.budget.value = budget;
    this.armed = { entrypoint, timeoutMs, budget, start: performance.now() };
  }

  /**
   * Ends the evaluation: learns the entrypoint's rate from it, and returns the coded timeout error
   * when it was stopped by its budget (`err` is then the trap, which says nothing itself).
   */
  settle(): EngineError | undefined {
    const armed = this.armed;
    if (!armed || !this.counter) return undefined;
    this.armed = undefined;
    const elapsed = performance.now() - armed.start;
    const left = this.counter.value;
    const spent = left < 1;
    if (elapsed >= MIN_SAMPLE_MS) {
      const sample = (armed.budget - Math.max(0, left)) / elapsed;
      const old = this.rates.get(armed.entrypoint);
      this.rates.set(armed.entrypoint, old === undefined ? sample : old + SAMPLE_WEIGHT * (sample - old));
    }
    return spent ? evalTimeout(armed.timeoutMs) : undefined;
  }
}
