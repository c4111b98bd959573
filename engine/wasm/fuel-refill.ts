// Load-time patch that lets our engine (and only it) stop an evaluation at a wall-clock deadline. The
// module as compiled (fuel.ts) traps when a lowered budget is spent and knows nothing of time, so
// OPA's engines and the stock SDK load it unchanged. Before our engine instantiates a module it
// rewrites two functions of its own copy:
//   - `semamesh_fuel_spent`, reached when a lowered budget runs out, asks the host for another slice
//     through the builtin `semamesh.fuel_refill` (called as the SDK calls any builtin, opa_builtin0)
//     and traps only if the host refills nothing (the deadline has passed);
//   - the `builtins` export lists that builtin too, so the SDK routes the call to our host function.
// The shipped bytes are never changed; the patched copy exists only inside our process.
import { EXTERN, type ExternKind, FunctionEmitter, I32, WasmModule } from './binary/index.js';
import { FUEL_BUDGET_GLOBAL, FUEL_GLOBAL, FUEL_SPENT_FUNCTION, UNMETERED } from './fuel.js';

/** Name of the builtin the patched module calls for the next slice (host side: engine/metering.ts). */
export const REFILL_BUILTIN = 'semamesh.fuel_refill';
/** Its id in the patched `builtins()` map: far above any id the compiler assigns (0, 1, 2, ...). */
const REFILL_ID = 0x3fff_0000;

const encoder = new TextEncoder();

/** Emits code leaving the runtime value parsed from the JSON `text` on the stack. */
function emitJson(f: FunctionEmitter, text: string, malloc: number, parse: number, scratch: number): void {
  const bytes = encoder.encode(text);
  f.i32Const(bytes.length).call(malloc).localSet(scratch);
  bytes.forEach((b, i) => {
    f.localGet(scratch).i32Const(b).i32Store8(i);
  });
  f.localGet(scratch).i32Const(bytes.length).call(parse);
}

/**
 * The module with the refill patch applied, or undefined when it lacks what the patch needs (not
 * compiled with the meter, or not one of our modules): the caller then falls back to a budget alone.
 */
export function patchFuelRefill(wasm: Uint8Array): Uint8Array | undefined {
  let m: WasmModule;
  try {
    m = WasmModule.parse(wasm);
  } catch {
    return undefined;
  }
  const exported = (name: string, kind: ExternKind) => m.findExport(name, kind)?.index;
  const counter = exported(FUEL_GLOBAL, EXTERN.global);
  const budget = exported(FUEL_BUDGET_GLOBAL, EXTERN.global);
  const builtins = exported('builtins', EXTERN.func);
  const malloc = exported('opa_malloc', EXTERN.func);
  const parse = exported('opa_json_parse', EXTERN.func);
  const addPath = exported('opa_value_add_path', EXTERN.func);
  const spent = [...(m.sections.names?.functionNames ?? [])].find(([, n]) => n === FUEL_SPENT_FUNCTION)?.[0];
  const builtin0 = m.sections.imports
    .filter((i) => i.desc.kind === EXTERN.func)
    .findIndex((i) => i.module === 'env' && i.name === 'opa_builtin0');
  if (
    counter === undefined ||
    budget === undefined ||
    builtins === undefined ||
    malloc === undefined ||
    parse === undefined ||
    addPath === undefined ||
    spent === undefined ||
    spent < m.importedFunctionCount ||
    builtin0 < 0
  )
    return undefined;
  const spentType = m.functionType(spent);
  if (spentType.params.length > 0 || spentType.results.length > 0) return undefined;

  const body = new FunctionEmitter([]);
  body.globalGet(budget).i32Const(UNMETERED).i32Eq().if();
  body.i32Const(UNMETERED).globalSet(counter);
  body.else();
  // The host sets the counter to the next slice, or leaves it spent when the deadline has passed.
  body.i32Const(REFILL_ID).i32Const(0).call(builtin0).drop();
  body.globalGet(counter).i32Const(1).i32LtS().if();
  body.unreachable();
  body.end();
  body.end();
  m.replaceBody(spent, body.finish());

  const list = new FunctionEmitter([]);
  const map = list.addLocal(I32);
  const scratch = list.addLocal(I32);
  list.call(builtins).localSet(map);
  list.localGet(map);
  emitJson(list, JSON.stringify([REFILL_BUILTIN]), malloc, parse, scratch);
  emitJson(list, String(REFILL_ID), malloc, parse, scratch);
  list.call(addPath).drop();
  list.localGet(map);
  const patched = m.addFunction(
    'semamesh_builtins_with_refill',
    { params: [], results: [I32] },
    list.finish(),
  );
  m.addExport('builtins', EXTERN.func, patched);
  return m.toBytes();
}
