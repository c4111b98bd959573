// What every function compiler shares: the module being built, the runtime's functions (found by
// export name and checked against ABI.md, so a drifted runtime fails at generation time, not in the
// SDK), the static data, and how IR call targets resolve to wasm functions.
import type { WasmModule } from './binary/index.js';
import { EXTERN } from './binary/index.js';
import type { StaticData } from './codegen-static.js';
import { runtimeAbi } from './errors.js';
import type { FuelMeter } from './fuel.js';

/** name → [param count, result count] for every runtime function the code generator may call. */
const EXPECTED: Record<string, readonly [number, number]> = {
  opa_abort: [1, 0],
  opa_builtin0: [2, 1],
  opa_builtin1: [3, 1],
  opa_builtin2: [4, 1],
  opa_builtin3: [5, 1],
  opa_builtin4: [6, 1],
  opa_malloc_init: [1, 0],
  opa_null: [0, 1],
  opa_boolean: [1, 1],
  opa_number_int: [1, 1],
  opa_number_ref: [2, 1],
  opa_string: [2, 1],
  opa_array_with_cap: [1, 1],
  opa_array_append: [2, 0],
  opa_object: [0, 1],
  opa_object_insert: [3, 0],
  opa_set: [0, 1],
  opa_set_add: [2, 0],
  opa_value_type: [1, 1],
  opa_value_equal: [2, 1],
  opa_value_get: [2, 1],
  opa_value_iter: [2, 1],
  opa_value_length: [1, 1],
  opa_value_merge: [2, 1],
  opa_value_shallow_copy: [1, 1],
  opa_runtime_error: [4, 0],
  opa_memoize_init: [0, 0],
  opa_memoize_push: [0, 0],
  opa_memoize_pop: [0, 0],
  opa_memoize_insert: [2, 0],
  opa_memoize_get: [1, 1],
  opa_mapping_init: [2, 0],
  opa_mapping_lookup: [1, 1],
  opa_host_arg_set: [2, 0],
  eval: [1, 1],
  builtins: [0, 1],
  entrypoints: [0, 1],
};

export type RuntimeFunction = keyof typeof EXPECTED;

/** Runtime value type tags (ABI.md). */
export const TAG = { null: 1, boolean: 2, number: 3, string: 4, array: 5, object: 6, set: 7 } as const;

export class RuntimeFunctions {
  private readonly cache = new Map<string, number>();

  constructor(private readonly module: WasmModule) {}

  /** Function index of a runtime function; throws SM_ERR_WASM_RUNTIME_ABI when missing or mistyped. */
  get(name: RuntimeFunction): number {
    let index = this.cache.get(name);
    if (index !== undefined) return index;
    index = this.module.findFunction(name);
    if (index === undefined) throw runtimeAbi(`missing function ${name}`);
    const t = this.module.functionType(index);
    const [params, results] = EXPECTED[name];
    if (t.params.length !== params || t.results.length !== results)
      throw runtimeAbi(
        `${name} has ${t.params.length} params and ${t.results.length} results, expected ${params} and ${results}`,
      );
    this.cache.set(name, index);
    return index;
  }

  /** Function index of an exported native builtin implementation, or undefined. */
  exported(name: string): number | undefined {
    return this.module.findExport(name, EXTERN.func)?.index;
  }
}

export type CallTarget =
  | { kind: 'func'; index: number; arity: number }
  | { kind: 'native'; index: number; arity: number }
  | { kind: 'host'; id: number; arity: number; void: boolean };

export interface CodegenContext {
  readonly module: WasmModule;
  readonly rt: RuntimeFunctions;
  readonly statics: StaticData;
  /** Source file names (IR `static.files`), for runtime error locations. */
  readonly files: readonly string[];
  /** Resolves a Call's `func`: a planned function name or a builtin name; undefined when unknown. */
  resolveCall(name: string): CallTarget | undefined;
  /** Set when a CallDynamic was compiled, so the table and mapping get generated. */
  usesDynamicCalls: boolean;
  /** Instruction budget (fuel.ts): charged at loop heads and function entries when present. */
  readonly meter?: FuelMeter;
}
