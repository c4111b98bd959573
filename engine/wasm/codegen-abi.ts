// Generates the ABI glue around the compiled plans: eval(ctx), builtins(), entrypoints(), the start
// function, and the export list the opa-wasm SDKs expect (notes/opa-wasm.md §1.2, §1.5).
import { EXTERN, FunctionEmitter, I32, type WasmModule } from './binary/index.js';
import type { CodegenContext } from './codegen-context.js';

/** The ctx struct of ABI.md: {input@0, data@4, result@8, entrypoint@12}. */
const CTX = { input: 0, data: 4, result: 8, entrypoint: 12 } as const;

/** Exports kept from the runtime: OPA's wasm ABI 1.3 (memory helpers, fast and legacy eval paths). */
const ABI_EXPORTS = new Set([
  'opa_malloc',
  'opa_free',
  'opa_json_parse',
  'opa_json_dump',
  'opa_value_parse',
  'opa_value_dump',
  'opa_host_arg',
  'opa_heap_ptr_get',
  'opa_heap_ptr_set',
  'opa_eval',
  'eval',
  'builtins',
  'entrypoints',
  'opa_eval_ctx_new',
  'opa_eval_ctx_set_input',
  'opa_eval_ctx_set_data',
  'opa_eval_ctx_set_entrypoint',
  'opa_eval_ctx_get_result',
  'opa_value_add_path',
  'opa_value_remove_path',
  'opa_value_free',
  'opa_heap_blocks_stash',
  'opa_heap_blocks_restore',
  'opa_heap_stash_clear',
  'memory',
  'opa_wasm_abi_version',
  'opa_wasm_abi_minor_version',
]);

/** Functions only ABI 1.3 adds; minor version 3 is claimed only when the runtime has all of them. */
const ABI_1_3 = [
  'opa_value_free',
  'opa_heap_blocks_stash',
  'opa_heap_blocks_restore',
  'opa_heap_stash_clear',
];

/** eval(ctx): fresh memo, a fresh result set in ctx.result, then dispatch on ctx.entrypoint. */
export function generateEval(ctx: CodegenContext, planIndices: readonly number[]): Uint8Array {
  const { rt, statics } = ctx;
  const f = new FunctionEmitter([I32]);
  const rs = f.addLocal();
  ctx.meter?.reset(f);
  f.call(rt.get('opa_memoize_init'));
  f.call(rt.get('opa_set')).localSet(rs);
  f.localGet(0).localGet(rs).i32Store(CTX.result);
  // Nested blocks: plan i runs after the end of block i; br_table jumps to the right end.
  const abort = f.block();
  const labels = planIndices.map(() => f.block());
  f.localGet(0)
    .i32Load(CTX.entrypoint)
    .brTable([...labels].reverse(), abort);
  for (let i = planIndices.length - 1; i >= 0; i--) {
    f.end();
    const plan = planIndices[planIndices.length - 1 - i];
    f.localGet(0).i32Load(CTX.input).localGet(0).i32Load(CTX.data).localGet(rs).call(plan);
    f.i32Const(0).return();
  }
  f.end();
  f.i32Const(statics.cString('internal: illegal entrypoint id')).call(rt.get('opa_abort')).unreachable();
  return f.finish();
}

/** A function returning the object {name: id} for the given pairs (builtins() and entrypoints()). */
export function generateNameTable(
  ctx: CodegenContext,
  entries: readonly (readonly [string, number])[],
): Uint8Array {
  const { rt, statics } = ctx;
  const f = new FunctionEmitter([]);
  const obj = f.addLocal();
  f.call(rt.get('opa_object')).localSet(obj);
  for (const [name, id] of entries) {
    const s = statics.raw(name);
    f.localGet(obj).i32Const(s.addr).i32Const(s.len).call(rt.get('opa_string'));
    f.i64Const(BigInt(id)).call(rt.get('opa_number_int')).call(rt.get('opa_object_insert'));
  }
  f.localGet(obj);
  return f.finish();
}

export interface StartOptions {
  heapStart: number;
  previousStart?: number;
  mapping?: { addr: number; len: number };
}

/**
 * The start function: the allocator first (nothing may allocate before it), then the runtime's own
 * initialisers, then the IR string values — all before the SDK reads the heap pointer, so they live
 * below every evaluation's heap.
 */
export function generateStart(ctx: CodegenContext, opts: StartOptions): Uint8Array {
  const { rt, statics, module } = ctx;
  const f = new FunctionEmitter([]);
  f.i32Const(opts.heapStart).call(rt.get('opa_malloc_init'));
  const ctors = module.findFunction('__wasm_call_ctors');
  if (ctors !== undefined) f.call(ctors);
  if (opts.previousStart !== undefined) f.call(opts.previousStart);
  if (statics.stringCount > 0) {
    // Each 8-byte slot holds (chars, len); replace chars by the string value pointer.
    const p = f.addLocal();
    f.i32Const(statics.stringSlot(0)).localSet(p);
    const loop = f.loop();
    f.localGet(p);
    f.localGet(p).i32Load(0).localGet(p).i32Load(4).call(rt.get('opa_string'));
    f.i32Store(0);
    f.localGet(p).i32Const(8).i32Add().localTee(p);
    f.i32Const(statics.stringSlot(statics.stringCount)).i32LtU().brIf(loop);
    f.end();
  }
  if (opts.mapping) f.i32Const(opts.mapping.addr).i32Const(opts.mapping.len).call(rt.get('opa_mapping_init'));
  return f.finish();
}

/** Drops every runtime export outside the ABI and adds the ABI version globals and the memory export. */
export function finishExports(module: WasmModule): void {
  module.retainExports((name) => ABI_EXPORTS.has(name));
  const minor = ABI_1_3.every((n) => module.findExport(n, EXTERN.func)) ? 3 : 2;
  module.addExport('opa_wasm_abi_version', EXTERN.global, module.addI32Global(1));
  module.addExport('opa_wasm_abi_minor_version', EXTERN.global, module.addI32Global(minor));
  if (module.memoryLimits()) module.addExport('memory', EXTERN.memory, 0);
}
