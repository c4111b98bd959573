// Instruction budget ("fuel") for generated policies, so a host can stop an evaluation that runs too
// long: a synchronous wasm call cannot be interrupted by a timer, but it can count its own steps.
//
// The generated code decrements a mutable global at every loop head and function entry (Rego has no
// recursion, so every long evaluation passes through one of them). Each evaluation starts with the
// budget in `semamesh_fuel_budget`; when the counter runs out the module traps (`unreachable`), which
// unwinds the evaluation. The budget is wholly inside the module: no import, no host builtin, nothing
// in the builtins() table, so OPA's own wasm engine and the stock SDK load the module as they load
// OPA's. The budget defaults to "unmetered" (2^31-1, refilled in place when spent), and only a host
// that writes a lower budget (engine/metering.ts) ever sees the trap. Our own engine patches the
// out-of-fuel function of its loaded copy to ask the host for the next slice by the clock first
// (fuel-refill.ts). The cost is a decrement and a compare per unit (bench/engine-eval.ts).
import { EXTERN, FunctionEmitter, type WasmModule } from './binary/index.js';

/** Export name of the counter global (what is left of this evaluation's budget). */
export const FUEL_GLOBAL = 'semamesh_fuel';
/** Export name of the budget every evaluation starts with; a metering host sets it before each call. */
export const FUEL_BUDGET_GLOBAL = 'semamesh_fuel_budget';
/** Debug name of the function the meter calls when the counter runs out (wasm/fuel-refill.ts patches it). */
export const FUEL_SPENT_FUNCTION = 'semamesh_fuel_spent';
/** The budget meaning "no limit": a spent counter is refilled instead of trapping. */
export const UNMETERED = 0x7fffffff;

export interface FuelMeter {
  /** Emits "spend one unit; when the budget is spent, trap (or refill when unmetered)" here. */
  charge(f: FunctionEmitter): void;
  /** Emits "start from the budget" (at the top of eval, so every evaluation has its own). */
  reset(f: FunctionEmitter): void;
  /** Exports the globals; call after the ABI exports are final (they drop unknown names). */
  exportGlobals(): void;
}

/** Adds the counter, the budget and the out-of-fuel function to `module`. */
export function installFuelMeter(module: WasmModule): FuelMeter {
  const counter = module.addI32Global(UNMETERED, true);
  const budget = module.addI32Global(UNMETERED, true);
  const body = new FunctionEmitter([]);
  // Unmetered (no host ever lowered the budget): start another full count, so a host that knows
  // nothing of metering (OPA, the stock SDK) never stops.
  body.globalGet(budget).i32Const(UNMETERED).i32Eq().if();
  body.i32Const(UNMETERED).globalSet(counter);
  body.else();
  body.unreachable();
  body.end();
  const spent = module.addFunction(FUEL_SPENT_FUNCTION, { params: [], results: [] }, body.finish());
  return {
    charge(f) {
      f.globalGet(counter).i32Const(1).i32Sub().globalSet(counter);
      // `< 1` rather than `== 0`: a host that writes 0 or a negative budget stops at the first unit.
      f.globalGet(counter).i32Const(1).i32LtS().if();
      f.call(spent);
      f.end();
    },
    reset(f) {
      f.globalGet(budget).globalSet(counter);
    },
    exportGlobals() {
      module.addExport(FUEL_GLOBAL, EXTERN.global, counter);
      module.addExport(FUEL_BUDGET_GLOBAL, EXTERN.global, budget);
    },
  };
}
