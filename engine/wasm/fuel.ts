// Instruction budget ("fuel") for generated policies, so a host can stop an evaluation that runs too
// long: a synchronous wasm call cannot be interrupted by a timer, but it can be made to ask.
//
// The generated code decrements a mutable global at every loop head and function entry (Rego has no
// recursion, so every long evaluation passes through one of them). When the counter reaches zero the
// code calls the host builtin `semamesh.fuel`, which either refills the counter (the deadline is not
// reached) or throws, which unwinds the evaluation. Checking the clock once per slice keeps the cost
// to a decrement and a compare per iteration (bench/engine-eval.ts measures it). Each evaluation
// starts with a full slice (`semamesh_fuel_slice`, default 2^31-1; while it stays at that default
// the refill never calls the host, so a plain opa-wasm user never hears of it).
import { EXTERN, FunctionEmitter, type WasmModule } from './binary/index.js';
import type { RuntimeFunctions } from './codegen-context.js';

/** Export name of the counter global (the host's refill writes a fresh slice into it). */
export const FUEL_GLOBAL = 'semamesh_fuel';
/** Export name of the slice every evaluation starts with; a metering host lowers it once at load. */
export const FUEL_SLICE_GLOBAL = 'semamesh_fuel_slice';
const UNMETERED = 0x7fffffff;
/** Host builtin called when a slice is spent (not a Rego builtin: the `semamesh.` prefix is ours). */
export const FUEL_BUILTIN = 'semamesh.fuel';

export interface FuelMeter {
  /** Emits "spend one unit; when the slice is spent, ask the host" at the current point. */
  charge(f: FunctionEmitter): void;
  /** Emits "start a fresh slice" (at the top of eval, so every evaluation has its own budget). */
  reset(f: FunctionEmitter): void;
  /** Exports the globals; call after the ABI exports are final (they drop unknown names). */
  exportGlobals(): void;
}

/**
 * Adds the counter and the refill function. `builtinId` must be an id no Rego builtin uses; the
 * caller lists `[FUEL_BUILTIN, builtinId]` in the module's builtins() table so the SDK routes it.
 */
export function installFuelMeter(module: WasmModule, rt: RuntimeFunctions, builtinId: number): FuelMeter {
  const global = module.addI32Global(UNMETERED, true);
  const slice = module.addI32Global(UNMETERED, true);
  const body = new FunctionEmitter([]);
  // Unmetered (the slice was never lowered): start another full slice without asking the host, so
  // a host that knows nothing of metering (the stock SDK) is never called for `semamesh.fuel`.
  body.globalGet(slice).i32Const(UNMETERED).i32Eq().if();
  body.i32Const(UNMETERED).globalSet(global);
  body.else();
  body.i32Const(builtinId).i32Const(0).call(rt.get('opa_builtin0')).drop();
  body.end();
  const refill = module.addFunction('semamesh_fuel_refill', { params: [], results: [] }, body.finish());
  return {
    charge(f) {
      f.globalGet(global).i32Const(1).i32Sub().globalSet(global);
      // `< 1` rather than `== 0`: a host that writes 0 or a negative slice still gets asked at once.
      f.globalGet(global).i32Const(1).i32LtS().if();
      f.call(refill);
      f.end();
    },
    reset(f) {
      f.globalGet(slice).globalSet(global);
    },
    exportGlobals() {
      module.addExport(FUEL_GLOBAL, EXTERN.global, global);
      module.addExport(FUEL_SLICE_GLOBAL, EXTERN.global, slice);
    },
  };
}
