// The one wrapper the code generator uses to edit wasm: parse a module, append types, functions,
// globals, exports, data and table elements, replace function bodies, and write the result.
import { malformed } from '../errors.js';
import { ByteReader, ByteWriter } from './bytes.js';
import { pruneUnreachable } from './prune.js';
import { readModule } from './reader.js';
import {
  EXTERN,
  type ExternKind,
  type FuncType,
  type GlobalType,
  type Limits,
  type ModuleSections,
  sameFuncType,
} from './types.js';
import { writeModule } from './writer.js';

export class WasmModule {
  private constructor(readonly sections: ModuleSections) {}

  static parse(bytes: Uint8Array): WasmModule {
    return new WasmModule(readModule(bytes));
  }

  static empty(): WasmModule {
    return new WasmModule(readModule(new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])));
  }

  toBytes(): Uint8Array {
    return writeModule(this.sections);
  }

  /** Replaces unreachable function bodies by a trap (see prune.ts); returns how many were pruned. */
  pruneUnreachable(): number {
    return pruneUnreachable(this.sections);
  }

  // --- types and functions -------------------------------------------------------------------------

  /** Index of the function type, appended if no equal type exists yet. */
  addType(type: FuncType): number {
    const found = this.sections.types.findIndex((t) => sameFuncType(t, type));
    if (found >= 0) return found;
    this.sections.types.push({ params: [...type.params], results: [...type.results] });
    return this.sections.types.length - 1;
  }

  get importedFunctionCount(): number {
    return this.sections.imports.filter((i) => i.desc.kind === EXTERN.func).length;
  }

  get functionCount(): number {
    return this.importedFunctionCount + this.sections.functions.length;
  }

  /** The type of any function in the module-wide index space (imports first). */
  functionType(index: number): FuncType {
    const imported = this.sections.imports.filter((i) => i.desc.kind === EXTERN.func);
    let typeIndex: number;
    if (index < imported.length) {
      const desc = imported[index].desc;
      typeIndex = desc.kind === EXTERN.func ? desc.type : -1;
    } else typeIndex = this.sections.functions[index - imported.length];
    const t = this.sections.types[typeIndex];
    if (!t) throw malformed(`function ${index} has no type`);
    return t;
  }

  /**
   * Reserves a function index with its type and name; its body must be set with `setBody` before
   * writing. Reserving first lets bodies call functions that are generated later (and themselves).
   */
  declareFunction(name: string, type: FuncType): number {
    this.sections.functions.push(this.addType(type));
    this.sections.code.push(new Uint8Array(0));
    const index = this.functionCount - 1;
    this.setFunctionName(index, name);
    return index;
  }

  setBody(index: number, body: Uint8Array): void {
    const defined = index - this.importedFunctionCount;
    if (defined < 0 || defined >= this.sections.code.length)
      throw new RangeError(`function ${index} is not defined in this module`);
    this.sections.code[defined] = body;
  }

  /** Convenience for `declareFunction` + `setBody`. */
  addFunction(name: string, type: FuncType, body: Uint8Array): number {
    const index = this.declareFunction(name, type);
    this.setBody(index, body);
    return index;
  }

  /** Replaces a function body, keeping its index and type (used for the runtime's stubs). */
  replaceBody(index: number, body: Uint8Array): void {
    this.setBody(index, body);
  }

  setFunctionName(index: number, name: string): void {
    if (!this.sections.names) this.sections.names = { functionNames: new Map(), otherSubsections: new Map() };
    this.sections.names.functionNames.set(index, name);
  }

  functionName(index: number): string | undefined {
    return this.sections.names?.functionNames.get(index);
  }

  /** Index of a function found by export name, then by debug name; undefined if neither exists. */
  findFunction(name: string): number | undefined {
    const exp = this.sections.exports.find((e) => e.kind === EXTERN.func && e.name === name);
    if (exp) return exp.index;
    for (const [index, n] of this.sections.names?.functionNames ?? []) if (n === name) return index;
    const imp = this.sections.imports
      .filter((i) => i.desc.kind === EXTERN.func)
      .findIndex((i) => i.name === name);
    return imp >= 0 ? imp : undefined;
  }

  // --- globals, exports, start ---------------------------------------------------------------------

  get globalCount(): number {
    return (
      this.sections.imports.filter((i) => i.desc.kind === EXTERN.global).length + this.sections.globals.length
    );
  }

  addGlobal(type: GlobalType, init: Uint8Array): number {
    this.sections.globals.push({ type, init });
    return this.globalCount - 1;
  }

  /** An immutable i32 global initialised to a constant. */
  addI32Global(value: number, mutable = false): number {
    const init = new ByteWriter().byte(0x41).s32(value).byte(0x0b).finish();
    return this.addGlobal({ type: 0x7f, mutable }, init);
  }

  /** The constant value of a defined global whose init is `i32.const N` (e.g. wasm-ld's `__heap_base`). */
  globalI32Value(index: number): number | undefined {
    const imported = this.globalCount - this.sections.globals.length;
    const g = this.sections.globals[index - imported];
    if (g?.init[0] !== 0x41) return undefined;
    return new ByteReader(g.init, 1).s32();
  }

  findExport(name: string, kind?: ExternKind): { kind: ExternKind; index: number } | undefined {
    return this.sections.exports.find((e) => e.name === name && (kind === undefined || e.kind === kind));
  }

  addExport(name: string, kind: ExternKind, index: number): void {
    this.removeExport(name);
    this.sections.exports.push({ name, kind, index });
  }

  removeExport(name: string): void {
    this.sections.exports = this.sections.exports.filter((e) => e.name !== name);
  }

  /** Keeps only exports whose name passes the filter. */
  retainExports(keep: (name: string) => boolean): void {
    this.sections.exports = this.sections.exports.filter((e) => keep(e.name));
  }

  get start(): number | undefined {
    return this.sections.start;
  }

  setStart(index: number | undefined): void {
    this.sections.start = index;
  }

  // --- memory, data and tables ---------------------------------------------------------------------

  /** The memory's limits, imported or defined (the runtime imports `env.memory`). */
  memoryLimits(): Limits | undefined {
    const imp = this.sections.imports.find((i) => i.desc.kind === EXTERN.memory);
    if (imp && imp.desc.kind === EXTERN.memory) return imp.desc.limits;
    return this.sections.memories[0];
  }

  setMemoryMin(pages: number): void {
    const limits = this.memoryLimits();
    if (!limits) throw malformed('module has no memory');
    limits.min = pages;
    if (limits.max !== undefined && limits.max < pages) limits.max = pages;
  }

  /** Appends an active data segment for memory 0 at a constant address. */
  addData(address: number, bytes: Uint8Array): void {
    const w = new ByteWriter(bytes.length + 16).u32(0).byte(0x41).s32(address).byte(0x0b).sized(bytes);
    this.sections.data.push(w.finish());
  }

  /**
   * Appends functions to table 0 (creating a funcref table if there is none) and returns the table
   * index of the first one. Existing elements keep their indices; index 0 is never handed out, so a
   * table index can double as "found" in lookups that use 0 for "none".
   */
  appendTableElements(funcIndices: readonly number[]): number {
    let table = this.sections.tables[0];
    if (!table) {
      if (this.sections.imports.some((i) => i.desc.kind === EXTERN.table))
        throw malformed('imported tables are not supported');
      table = { elem: 0x70, limits: { min: 1 } };
      this.sections.tables.push(table);
    }
    const base = Math.max(1, table.limits.min);
    table.limits.min = base + funcIndices.length;
    if (table.limits.max !== undefined) table.limits.max = Math.max(table.limits.max, table.limits.min);
    const w = new ByteWriter().u32(0).byte(0x41).s32(base).byte(0x0b).u32(funcIndices.length);
    for (const f of funcIndices) w.u32(f);
    this.sections.elements.push(w.finish());
    return base;
  }
}

export type { FuncType, GlobalType, Limits };
