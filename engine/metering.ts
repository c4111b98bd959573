// Host side of the instruction budget compiled into every policy (wasm/fuel.ts): hands the module a
// slice of fuel at a time and, when a slice is spent past the deadline, stops the evaluation.
import { type EngineError, evalTimeout } from './errors.js';
import { FUEL_BUILTIN, FUEL_GLOBAL, FUEL_SLICE_GLOBAL } from './wasm/fuel.js';

/**
 * Units (loop iterations + function entries) between two looks at the clock. Small enough that a
 * slice takes well under a millisecond on the slowest Rego (tight scans, ~20-100 ns a unit), large
 * enough that the refill call (one host builtin round trip) is noise.
 */
export const FUEL_SLICE = 10_000;

/** Thrown from the fuel builtin; it unwinds the wasm stack and is turned into SM_ERR_ENGINE_TIMEOUT. */
class Deadline extends Error {}

/** A WebAssembly.Global as far as we use it (Node's typings here lack the WebAssembly namespace). */
interface I32Global {
  value: number;
}
const isGlobal = (g: unknown): g is I32Global =>
  typeof g === 'object' && g !== null && typeof (g as { value?: unknown }).value === 'number';

export class FuelGauge {
  private counter: I32Global | undefined;
  private deadline = Number.POSITIVE_INFINITY;
  private timeoutMs = 0;
  /** Slices handed out since load (a rough cost measure for tests and benches). */
  refills = 0;

  /** The builtin the module calls when a slice is spent. */
  readonly builtins = {
    [FUEL_BUILTIN]: (): number => {
      if (performance.now() >= this.deadline) throw new Deadline('deadline');
      this.refills++;
      if (this.counter) this.counter.value = FUEL_SLICE;
      return 0;
    },
  };

  /** Finds the module's fuel globals and sets the slice every evaluation starts with. */
  attach(exports: Record<string, unknown>): void {
    const counter = exports[FUEL_GLOBAL];
    const slice = exports[FUEL_SLICE_GLOBAL];
    if (!isGlobal(counter) || !isGlobal(slice)) return;
    this.counter = counter;
    slice.value = FUEL_SLICE;
  }

  get metered(): boolean {
    return this.counter !== undefined;
  }

  arm(timeoutMs: number | undefined): void {
    this.timeoutMs = timeoutMs ?? 0;
    this.deadline =
      timeoutMs === undefined || timeoutMs <= 0 ? Number.POSITIVE_INFINITY : performance.now() + timeoutMs;
  }

  disarm(): void {
    this.deadline = Number.POSITIVE_INFINITY;
  }

  /** The coded timeout error when `err` is our deadline unwinding, else undefined. */
  timedOut(err: unknown): EngineError | undefined {
    return err instanceof Deadline ? evalTimeout(this.timeoutMs) : undefined;
  }
}
