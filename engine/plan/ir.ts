// The planner's output and the code generator's input: an intermediate representation modelled on
// OPA's IR (v1/ir), so that its documented semantics are our specification.
//
// Execution model: a plan or function body is a list of blocks run in order. Statements in a block
// run one after another; a statement that is *undefined* (a failed comparison, a missing key, an
// undefined local) exits the enclosing block immediately, and execution continues with the next
// block. Locals are numbered; local 0 is `input`, local 1 is `data` in every function and plan.
// Every local starts undefined (0 in wasm).

/** A numbered local variable. 0 = input, 1 = data. */
export type Local = number;

export const INPUT: Local = 0;
export const DATA: Local = 1;

/** A statement operand: a local, an index into `static.strings`, or a boolean constant. */
export type Operand =
  | { readonly type: 'local'; readonly value: Local }
  | { readonly type: 'string_index'; readonly value: number }
  | { readonly type: 'bool'; readonly value: boolean };

export const local = (value: Local): Operand => ({ type: 'local', value });
export const str = (value: number): Operand => ({ type: 'string_index', value });
export const bool = (value: boolean): Operand => ({ type: 'bool', value });

/** Where a statement came from, for runtime errors (`file:row:col: message`). `file` indexes static.files. */
export interface IrLocation {
  readonly file: number;
  readonly row: number;
  readonly col: number;
}

export interface Block {
  stmts: Stmt[];
}

/** Common fields. */
interface StmtBase {
  loc?: IrLocation;
}

/** Returns the value of `source` from the enclosing function. */
export interface ReturnLocalStmt extends StmtBase {
  readonly kind: 'ReturnLocal';
  source: Local;
}

/**
 * Calls a planned function (`func` names an entry of `Policy.funcs`) or a builtin (`func` is the
 * builtin's name, e.g. `plus`, declared in `static.builtinFuncs`). Undefined when the callee's
 * result is undefined. Planned functions always receive input and data as their first two args.
 */
export interface CallStmt extends StmtBase {
  readonly kind: 'Call';
  func: string;
  args: Operand[];
  result: Local;
}

/**
 * Calls the planned function whose data path is given by `path` (evaluated operands, e.g. the
 * strings `g0`, `data`, `pkg`, `rule`), resolved at run time through the mapping table. Undefined
 * when no function matches or its result is undefined.
 */
export interface CallDynamicStmt extends StmtBase {
  readonly kind: 'CallDynamic';
  args: Local[];
  result: Local;
  path: Operand[];
}

/** Runs each block in order; a `Break` inside can exit an enclosing block. */
export interface BlockStmt extends StmtBase {
  readonly kind: 'Block';
  blocks: Block[];
}

/** Exits `index + 1` enclosing blocks (0 = the block containing this statement). */
export interface BreakStmt extends StmtBase {
  readonly kind: 'Break';
  index: number;
}

/** target = source[key]; undefined if source has no such key or is not a collection. */
export interface DotStmt extends StmtBase {
  readonly kind: 'Dot';
  source: Operand;
  key: Operand;
  target: Local;
}

/** target = length of source (array, object, set, or string in code points). Undefined otherwise. */
export interface LenStmt extends StmtBase {
  readonly kind: 'Len';
  source: Operand;
  target: Local;
}

/**
 * For each key/value of the collection `source` (array index/element, object key/value, set
 * element/element), assigns `key` and `value` and runs `block`. Undefined (exits) if `source` is
 * not a collection; an empty collection runs nothing and is defined.
 */
export interface ScanStmt extends StmtBase {
  readonly kind: 'Scan';
  source: Local;
  key: Local;
  value: Local;
  block: Block;
}

/** Runs `block`; defined iff the block was undefined (did not run to completion). */
export interface NotStmt extends StmtBase {
  readonly kind: 'Not';
  block: Block;
}

/** target = the integer `value`. */
export interface AssignIntStmt extends StmtBase {
  readonly kind: 'AssignInt';
  value: number;
  target: Local;
}

/** target = source. Undefined if source is an undefined local. */
export interface AssignVarStmt extends StmtBase {
  readonly kind: 'AssignVar';
  source: Operand;
  target: Local;
}

/**
 * target = source, unless target is already defined: then equal values are fine and different
 * values raise the runtime error "var assignment conflict" (eval_conflict_error).
 */
export interface AssignVarOnceStmt extends StmtBase {
  readonly kind: 'AssignVarOnce';
  source: Operand;
  target: Local;
}

/** Makes `target` undefined again (used when re-entering loops). */
export interface ResetLocalStmt extends StmtBase {
  readonly kind: 'ResetLocal';
  target: Local;
}

export interface MakeNullStmt extends StmtBase {
  readonly kind: 'MakeNull';
  target: Local;
}

export interface MakeNumberIntStmt extends StmtBase {
  readonly kind: 'MakeNumberInt';
  value: bigint;
  target: Local;
}

/** target = the number whose literal text is static string `index` (arbitrary precision text). */
export interface MakeNumberRefStmt extends StmtBase {
  readonly kind: 'MakeNumberRef';
  index: number;
  target: Local;
}

export interface MakeArrayStmt extends StmtBase {
  readonly kind: 'MakeArray';
  capacity: number;
  target: Local;
}

export interface MakeObjectStmt extends StmtBase {
  readonly kind: 'MakeObject';
  target: Local;
}

export interface MakeSetStmt extends StmtBase {
  readonly kind: 'MakeSet';
  target: Local;
}

/** Defined iff a and b are equal values (Rego equality: 1 == 1.0). */
export interface EqualStmt extends StmtBase {
  readonly kind: 'Equal';
  a: Operand;
  b: Operand;
}

/** Defined iff a and b are not equal. */
export interface NotEqualStmt extends StmtBase {
  readonly kind: 'NotEqual';
  a: Operand;
  b: Operand;
}

export interface IsArrayStmt extends StmtBase {
  readonly kind: 'IsArray';
  source: Operand;
}

export interface IsObjectStmt extends StmtBase {
  readonly kind: 'IsObject';
  source: Operand;
}

export interface IsSetStmt extends StmtBase {
  readonly kind: 'IsSet';
  source: Operand;
}

/** Defined iff the local is defined. */
export interface IsDefinedStmt extends StmtBase {
  readonly kind: 'IsDefined';
  source: Local;
}

/** Defined iff the local is undefined. */
export interface IsUndefinedStmt extends StmtBase {
  readonly kind: 'IsUndefined';
  source: Local;
}

export interface ArrayAppendStmt extends StmtBase {
  readonly kind: 'ArrayAppend';
  value: Operand;
  array: Local;
}

/** object[key] = value (replacing). */
export interface ObjectInsertStmt extends StmtBase {
  readonly kind: 'ObjectInsert';
  key: Operand;
  value: Operand;
  object: Local;
}

/**
 * object[key] = value; if the key exists with a different value, raises the runtime error
 * "object insert conflict" (eval_conflict_error).
 */
export interface ObjectInsertOnceStmt extends StmtBase {
  readonly kind: 'ObjectInsertOnce';
  key: Operand;
  value: Operand;
  object: Local;
}

/** target = deep merge of objects a and b; undefined on conflicting leaves. */
export interface ObjectMergeStmt extends StmtBase {
  readonly kind: 'ObjectMerge';
  a: Local;
  b: Local;
  target: Local;
}

export interface SetAddStmt extends StmtBase {
  readonly kind: 'SetAdd';
  value: Operand;
  set: Local;
}

/**
 * Runs `block` with `local` (input or data) replaced by a copy in which the value at `path`
 * (static string indices) is `value` (an empty path replaces the whole document). Memoized
 * results are pushed before and popped after, so `with` never sees or leaks cached values.
 */
export interface WithStmt extends StmtBase {
  readonly kind: 'With';
  local: Local;
  path: number[];
  value: Operand;
  block: Block;
}

export interface NopStmt extends StmtBase {
  readonly kind: 'Nop';
}

/** Adds the value of `value` (an object of query bindings) to the plan's result set. */
export interface ResultSetAddStmt extends StmtBase {
  readonly kind: 'ResultSetAdd';
  value: Local;
}

export type Stmt =
  | ReturnLocalStmt
  | CallStmt
  | CallDynamicStmt
  | BlockStmt
  | BreakStmt
  | DotStmt
  | LenStmt
  | ScanStmt
  | NotStmt
  | AssignIntStmt
  | AssignVarStmt
  | AssignVarOnceStmt
  | ResetLocalStmt
  | MakeNullStmt
  | MakeNumberIntStmt
  | MakeNumberRefStmt
  | MakeArrayStmt
  | MakeObjectStmt
  | MakeSetStmt
  | EqualStmt
  | NotEqualStmt
  | IsArrayStmt
  | IsObjectStmt
  | IsSetStmt
  | IsDefinedStmt
  | IsUndefinedStmt
  | ArrayAppendStmt
  | ObjectInsertStmt
  | ObjectInsertOnceStmt
  | ObjectMergeStmt
  | SetAddStmt
  | WithStmt
  | NopStmt
  | ResultSetAddStmt;

/** A builtin the policy calls, with its declared arity; `void` builtins return nothing usable. */
export interface BuiltinFunc {
  name: string;
  arity: number;
  void?: boolean;
}

export interface Static {
  /** Interned string constants (also number literal texts for MakeNumberRef). */
  strings: string[];
  /** Builtins called by the policy (native or host; the code generator decides which). */
  builtinFuncs: BuiltinFunc[];
  /** Source file names, for runtime error locations. */
  files: string[];
}

/**
 * A query entrypoint. Its blocks add binding objects with ResultSetAdd; the result set of the plan
 * is what `opa_eval` returns. For `opa build -e a/b` style entrypoints the planner emits the
 * binding `{"result": <data.a.b>}`.
 */
export interface Plan {
  name: string;
  blocks: Block[];
}

/**
 * A planned function: the rules at one data path (`path`, e.g. ["g0","data","pkg","rule"]), or a
 * user function. `params` start with input (0) and data (1); user function args follow. Functions
 * with exactly two params (no user args) are memoized per evaluation by the code generator.
 */
export interface Func {
  name: string;
  params: Local[];
  return: Local;
  blocks: Block[];
  path: string[];
}

export interface Policy {
  static: Static;
  plans: Plan[];
  funcs: Func[];
}
