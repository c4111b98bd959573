// Orchestrates IR → wasm: loads runtime.wasm, lays out static data, compiles every plan and function,
// generates the ABI glue and writes policy.wasm (notes/opa-wasm.md §3.1 item 6, runtime/ABI.md).
import type * as ir from '../plan/ir.js';
import { I32, WasmModule } from './binary/index.js';
import { finishExports, generateEval, generateNameTable, generateStart } from './codegen-abi.js';
import type { CallTarget, CodegenContext } from './codegen-context.js';
import { RuntimeFunctions } from './codegen-context.js';
import { alignUp, StaticData } from './codegen-static.js';
import { FuncCompiler } from './codegen-stmts.js';
import { codegenError, runtimeAbi } from './errors.js';
import { installFuelMeter } from './fuel.js';

const PAGE = 65536;

export interface GenerateOptions {
  /** runtime.wasm bytes (default: the committed engine/wasm/runtime/runtime.wasm). */
  runtime: Uint8Array;
  /** Rego builtin name → runtime export name (default: runtime/natives.json). */
  natives: Readonly<Record<string, string>>;
  /** Upper bound for the memory import's minimum; the SDK's default memory has 5 pages. */
  maxInitialPages?: number;
  /** Replace unreachable runtime functions by traps (default true). */
  prune?: boolean;
  /** Compile in the instruction budget (fuel.ts). */
  meter?: boolean;
}

export function compilePolicy(policy: ir.Policy, opts: GenerateOptions): Uint8Array {
  const module = WasmModule.parse(opts.runtime);
  const rt = new RuntimeFunctions(module);
  const heapBaseExport = module.findExport('__heap_base');
  const heapBase = heapBaseExport ? module.globalI32Value(heapBaseExport.index) : undefined;
  if (heapBase === undefined) throw runtimeAbi('missing constant global export __heap_base');
  const statics = new StaticData(alignUp(heapBase, 8), policy.static.strings);

  const funcIndex = new Map<string, { index: number; arity: number }>();
  const funcNumbers: number[] = [];
  for (const fn of policy.funcs) {
    if (funcIndex.has(fn.name)) throw codegenError(`function ${JSON.stringify(fn.name)} is defined twice`);
    const index = module.declareFunction(fn.name, { params: fn.params.map(() => I32), results: [I32] });
    funcIndex.set(fn.name, { index, arity: fn.params.length });
    funcNumbers.push(index);
  }
  const planIndices = policy.plans.map((p) =>
    module.declareFunction(`plan:${p.name}`, { params: [I32, I32, I32], results: [] }),
  );

  const builtinTargets = new Map<string, CallTarget>();
  const hostBuiltins: [string, number][] = [];
  policy.static.builtinFuncs.forEach((b, id) => {
    const exportName = opts.natives[b.name];
    const native = exportName === undefined ? undefined : rt.exported(exportName);
    if (exportName !== undefined && native === undefined)
      throw runtimeAbi(`natives.json maps ${b.name} to ${exportName}, which runtime.wasm does not export`);
    if (native !== undefined) {
      const arity = module.functionType(native).params.length;
      if (arity !== b.arity)
        throw runtimeAbi(`${exportName} takes ${arity} arguments, ${b.name} has ${b.arity}`);
      builtinTargets.set(b.name, { kind: 'native', index: native, arity });
    } else {
      builtinTargets.set(b.name, { kind: 'host', id, arity: b.arity, void: b.void === true });
      // Named as OPA names it, so the module asks the stock SDK for what OPA's own module would.
      hostBuiltins.push([b.name, id]);
    }
  });

  const meter = opts.meter ? installFuelMeter(module) : undefined;
  const ctx: CodegenContext = {
    module,
    rt,
    statics,
    meter,
    files: policy.static.files,
    usesDynamicCalls: false,
    resolveCall(name) {
      const fn = funcIndex.get(name);
      if (fn) return { kind: 'func', index: fn.index, arity: fn.arity };
      return builtinTargets.get(name);
    },
  };

  policy.funcs.forEach((fn, i) => {
    const memoId = fn.params.length === 2 ? i : undefined;
    const c = new FuncCompiler(
      ctx,
      { params: fn.params, returnLocal: fn.return, memoId },
      `function ${fn.name}`,
    );
    module.setBody(funcNumbers[i], c.compile(fn.blocks));
  });
  policy.plans.forEach((plan, i) => {
    const c = new FuncCompiler(ctx, { params: [0, 1], resultSet: true }, `plan ${plan.name}`);
    module.setBody(planIndices[i], c.compile(plan.blocks));
  });

  module.replaceBody(rt.get('eval'), generateEval(ctx, planIndices));
  module.replaceBody(rt.get('builtins'), generateNameTable(ctx, hostBuiltins));
  module.replaceBody(
    rt.get('entrypoints'),
    generateNameTable(
      ctx,
      policy.plans.map((p, i) => [p.name, i]),
    ),
  );

  let mapping: { addr: number; len: number } | undefined;
  if (ctx.usesDynamicCalls && policy.funcs.length > 0) {
    const base = module.appendTableElements(funcNumbers);
    mapping = statics.raw(JSON.stringify(mappingTree(policy.funcs, base)));
    rt.get('opa_mapping_init');
  }

  const heapStart = alignUp(statics.end, 8);
  // Resolve the start function's callees before it is declared, so a missing one fails early.
  const previousStart = module.start;
  const startBody = generateStart(ctx, { heapStart, previousStart, mapping });
  module.setStart(module.addFunction('_initialize', { params: [], results: [] }, startBody));
  module.addData(statics.base, statics.bytes());

  const pages = Math.max(module.memoryLimits()?.min ?? 0, Math.ceil(heapStart / PAGE));
  const maxPages = opts.maxInitialPages ?? 5;
  if (pages > maxPages)
    throw codegenError(
      `static data needs ${pages} memory pages, more than the ${maxPages} the SDK provides by default`,
    );
  module.setMemoryMin(pages);
  finishExports(module);
  meter?.exportGlobals();
  if (opts.prune !== false) module.pruneUnreachable();
  return module.toBytes();
}

/** {"g0": {"data": {"pkg": {"rule": <table index>}}}} for opa_mapping_lookup; the first func at a path wins. */
function mappingTree(funcs: readonly ir.Func[], tableBase: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  funcs.forEach((fn, i) => {
    if (fn.path.length === 0) return;
    let node = root;
    for (const seg of fn.path.slice(0, -1)) {
      const next = node[seg];
      if (typeof next === 'number') return;
      if (next === undefined) node[seg] = {};
      node = node[seg] as Record<string, unknown>;
    }
    const leaf = fn.path[fn.path.length - 1];
    if (node[leaf] === undefined) node[leaf] = tableBase + i;
  });
  return root;
}
