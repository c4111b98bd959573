// The parsed shape of a wasm module as this layer keeps it: structured where the code generator edits,
// raw bytes where it only copies (function bodies, element and data segments, unknown custom sections).

export const I32 = 0x7f;
export const I64 = 0x7e;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const FUNCREF = 0x70;
export const EXTERNREF = 0x6f;

/** A value type byte (i32 0x7f, i64 0x7e, f32 0x7d, f64 0x7c, funcref 0x70, externref 0x6f). */
export type ValType = number;

export const SECTION = {
  custom: 0,
  type: 1,
  import: 2,
  function: 3,
  table: 4,
  memory: 5,
  global: 6,
  export: 7,
  start: 8,
  element: 9,
  code: 10,
  data: 11,
  dataCount: 12,
} as const;

export const EXTERN = { func: 0, table: 1, memory: 2, global: 3 } as const;
export type ExternKind = (typeof EXTERN)[keyof typeof EXTERN];

export interface FuncType {
  params: ValType[];
  results: ValType[];
}

export interface Limits {
  min: number;
  max?: number;
}

export interface TableType {
  elem: ValType;
  limits: Limits;
}

export interface GlobalType {
  type: ValType;
  mutable: boolean;
}

export type ImportDesc =
  | { kind: typeof EXTERN.func; type: number }
  | { kind: typeof EXTERN.table; table: TableType }
  | { kind: typeof EXTERN.memory; limits: Limits }
  | { kind: typeof EXTERN.global; global: GlobalType };

export interface Import {
  module: string;
  name: string;
  desc: ImportDesc;
}

export interface Global {
  type: GlobalType;
  /** The constant init expression including its final `end` (0x0b). */
  init: Uint8Array;
}

export interface Export {
  name: string;
  kind: ExternKind;
  index: number;
}

export interface CustomSection {
  name: string;
  payload: Uint8Array;
}

/** The name section's parts: function names are edited, the other subsections are kept raw by id. */
export interface NameSection {
  moduleName?: string;
  functionNames: Map<number, string>;
  otherSubsections: Map<number, Uint8Array>;
}

/** All sections of a module. Indices are module-wide (imports first), as in the binary format. */
export interface ModuleSections {
  types: FuncType[];
  imports: Import[];
  /** Type index of each defined (non-imported) function. */
  functions: number[];
  tables: TableType[];
  memories: Limits[];
  globals: Global[];
  exports: Export[];
  start?: number;
  /** Element segments, raw (their encoding varies by flags; we only append new ones). */
  elements: Uint8Array[];
  /** Function bodies without their size prefix: local declarations, then the expression. */
  code: Uint8Array[];
  /** Data segments, raw. */
  data: Uint8Array[];
  /** Whether a data count section is written (kept when the input had one). */
  dataCount: boolean;
  names?: NameSection;
  customs: CustomSection[];
}

export function sameFuncType(a: FuncType, b: FuncType): boolean {
  return (
    a.params.length === b.params.length &&
    a.results.length === b.results.length &&
    a.params.every((t, i) => t === b.params[i]) &&
    a.results.every((t, i) => t === b.results[i])
  );
}
