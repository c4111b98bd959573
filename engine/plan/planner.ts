// The planner's state: interned statics, the current block being filled, locals of the function
// being planned, the variable map, and the worklist of rule functions (per mock generation).
import { lookupBuiltin } from '../builtins/catalog.js';
import type { CompiledProgram, RuleNode } from '../compile/program.js';
import type { Location, Term } from '../syntax/ast.js';
import { DiagnosticBag } from '../syntax/diagnostics.js';
import { PlanInternalError } from './errors.js';
import type { Block, BuiltinFunc, Func, IrLocation, Local, Operand, Policy, Stmt } from './ir.js';
import { local } from './ir.js';
import { VarStack } from './varstack.js';

export { PlanInternalError };

/**
 * A set of `with` replacements in force while planning. Rule functions are planned once per
 * generation, because a replaced rule or function changes every function that depends on it.
 */
export interface Generation {
  id: number;
  /** Data paths (starting with 'data') whose rules are replaced by the base document. */
  shadowed: string[][];
  /** Function or builtin (by dotted name / data path) → replacement term. */
  mocks: Map<string, Term>;
  /**
   * Vars holding replacement values computed where the `with` was planned. Every function of
   * this generation takes them as extra parameters, after its own arguments.
   */
  slots: string[];
}

/** One function being planned: its local counter and variable map. */
export class FuncFrame {
  next: Local = 2;
  readonly vars = new VarStack();
}

export type Cont = () => void;

interface PendingFunc {
  name: string;
  node: RuleNode;
  gen: Generation;
}

/** The coverage key of a source span: `file:offset:end` (offsets are UTF-16 indexes). */
export const coverKey = (loc: { file: string; offset: number; end: number }): string =>
  `${loc.file}:${loc.offset}:${loc.end}`;

export class Planner {
  readonly bag = new DiagnosticBag();
  readonly policy: Policy = { static: { strings: [], builtinFuncs: [], files: [] }, plans: [], funcs: [] };
  private readonly stringIds = new Map<string, number>();
  private readonly fileIds = new Map<string, number>();
  private readonly builtinNames = new Set<string>();
  private readonly funcNames = new Map<string, string>();
  private readonly pending: PendingFunc[] = [];
  private genCounter = 0;
  private readonly genCache = new Map<string, Generation>();
  private slotCounter = 0;

  cur: Stmt[] = [];
  frame = new FuncFrame();
  gen: Generation = { id: 0, shadowed: [], mocks: new Map(), slots: [] };

  /** Emit `internal.cover("file:offset:end")` before each expression (and at each rule's success). */
  coverage = false;

  constructor(readonly program: CompiledProgram) {}

  /** Records, at run time, that the code at `loc` was reached (coverage builds only). */
  cover(loc: { file: string; offset: number; end: number }): void {
    if (!this.coverage || !loc.file) return;
    this.useBuiltin('internal.cover');
    this.emit({
      kind: 'Call',
      func: 'internal.cover',
      args: [this.str(coverKey(loc))],
      result: this.newLocal(),
    });
  }

  // --- statics ---------------------------------------------------------------------------------

  strIndex(s: string): number {
    let i = this.stringIds.get(s);
    if (i === undefined) {
      i = this.policy.static.strings.length;
      this.policy.static.strings.push(s);
      this.stringIds.set(s, i);
    }
    return i;
  }

  str(s: string): Operand {
    return { type: 'string_index', value: this.strIndex(s) };
  }

  irLoc(loc: Location | undefined): IrLocation | undefined {
    if (!loc) return undefined;
    let f = this.fileIds.get(loc.file);
    if (f === undefined) {
      f = this.policy.static.files.length;
      this.policy.static.files.push(loc.file);
      this.fileIds.set(loc.file, f);
    }
    return { file: f, row: loc.row, col: loc.col };
  }

  useBuiltin(name: string): void {
    if (this.builtinNames.has(name)) return;
    this.builtinNames.add(name);
    const d = lookupBuiltin(name);
    const b: BuiltinFunc = { name, arity: d?.arity ?? 0 };
    if (d?.void) b.void = true;
    this.policy.static.builtinFuncs.push(b);
  }

  // --- locals and blocks -----------------------------------------------------------------------

  newLocal(): Local {
    return this.frame.next++;
  }

  /** How many blocks enclose the current one (each filled by `into`), to aim a `Break`. */
  depth = 0;

  emit(s: Stmt): void {
    this.cur.push(s);
  }

  /** Fills `block` by running `fn` with it as the current block. */
  into(block: Block, fn: () => void): Block {
    const prev = this.cur;
    this.cur = block.stmts;
    this.depth++;
    try {
      fn();
    } finally {
      this.cur = prev;
      this.depth--;
    }
    return block;
  }

  /** Emits a Block statement whose single block is filled by `fn`. */
  block(fn: () => void): void {
    const b = this.into({ stmts: [] }, fn);
    this.emit({ kind: 'Block', blocks: [b] });
  }

  /**
   * Emits a Block for one of several alternative branches that each plan the same continuation:
   * bindings made inside must not leak into the next branch.
   */
  branch(fn: () => void): void {
    const snap = this.frame.vars.snapshot();
    try {
      this.block(fn);
    } finally {
      this.frame.vars.restore(snap);
    }
  }

  /**
   * Plans alternatives that each yield solutions (a value plus new var bindings), collecting them
   * in an array so that the continuation `k` is planned once instead of once per alternative.
   */
  alternatives(branches: ((yieldValue: (op: Operand) => void) => void)[], k: (op: Operand) => void): void {
    const snap = this.frame.vars.snapshot();
    const known = new Set(this.frame.vars.names());
    const solutions = this.newLocal();
    this.emit({ kind: 'MakeArray', capacity: 0, target: solutions });
    let outputs: string[] | undefined;
    const collect = (op: Operand): void => {
      outputs ??= this.frame.vars.names().filter((v) => !known.has(v));
      const row = this.newLocal();
      this.emit({ kind: 'MakeArray', capacity: outputs.length + 1, target: row });
      for (const v of outputs) {
        const l = this.frame.vars.get(v);
        if (l === undefined) throw new PlanInternalError(`alternative left ${v} unbound`);
        this.emit({ kind: 'ArrayAppend', value: local(l), array: row });
      }
      this.emit({ kind: 'ArrayAppend', value: op, array: row });
      this.emit({ kind: 'ArrayAppend', value: local(row), array: solutions });
    };
    for (const b of branches) this.branch(() => b(collect));
    this.frame.vars.restore(snap);
    const names = outputs;
    if (!names) return; // no alternative can produce a solution
    const key = this.newLocal();
    const row = this.newLocal();
    const block = this.into({ stmts: [] }, () => {
      const field = (j: number): Local => {
        const idx = this.newLocal();
        this.emit({ kind: 'MakeNumberInt', value: BigInt(j), target: idx });
        const l = this.newLocal();
        this.emit({ kind: 'Dot', source: local(row), key: local(idx), target: l });
        return l;
      };
      names.forEach((v, j) => {
        this.frame.vars.set(v, field(j));
      });
      k(local(field(names.length)));
    });
    this.emit({ kind: 'Scan', source: solutions, key, value: row, block });
  }

  /** An operand as a local (copying constants into a fresh local). */
  toLocal(op: Operand): Local {
    if (op.type === 'local') return op.value;
    const l = this.newLocal();
    this.emit({ kind: 'AssignVar', source: op, target: l });
    return l;
  }

  /** Emits a statement that is always undefined (a unification that can never succeed). */
  fail(): void {
    this.emit({ kind: 'Equal', a: { type: 'bool', value: true }, b: { type: 'bool', value: false } });
  }

  // --- functions -------------------------------------------------------------------------------

  /** Whether `path` (from 'data') is replaced by a `with` in the current generation. */
  shadowed(path: string[]): boolean {
    return this.gen.shadowed.some((s) => s.length <= path.length && s.every((x, i) => x === path[i]));
  }

  /** The generation with the current one's replacements plus these (shared when equal). */
  newGeneration(shadow: string[][], mocks: Map<string, Term>, slots: string[] = []): Generation {
    return this.generation([...this.gen.shadowed, ...shadow], new Map([...this.gen.mocks, ...mocks]), [
      ...this.gen.slots,
      ...slots,
    ]);
  }

  /** The current generation without function replacements: a replacement calls the originals. */
  withoutMocks(): Generation {
    return this.generation(this.gen.shadowed, new Map(), this.gen.slots);
  }

  private generation(shadowed: string[][], mocks: Map<string, Term>, slots: string[]): Generation {
    if (shadowed.length === 0 && mocks.size === 0 && slots.length === 0) return this.baseGen;
    const key = JSON.stringify([shadowed, [...mocks].sort(), slots], (k, v) => (k === 'loc' ? undefined : v));
    let g = this.genCache.get(key);
    if (!g) {
      g = { id: ++this.genCounter, shadowed, mocks, slots };
      this.genCache.set(key, g);
    }
    return g;
  }

  private readonly baseGen = this.gen;

  /** A fresh var name for a replacement value slot. */
  newSlot(): string {
    return `$mock${this.slotCounter++}`;
  }

  /** The slot values to pass to functions of the current generation. */
  slotArgs(): Operand[] {
    return this.gen.slots.map((s) => {
      const l = this.frame.vars.get(s);
      if (l === undefined) throw new PlanInternalError(`mock slot ${s} unbound`);
      return local(l);
    });
  }

  /** The name of the function planned for `node` in the current generation (queued on first use). */
  funcName(node: RuleNode): string {
    const key = `${this.gen.id}:${node.path.join('\u0000')}`;
    let name = this.funcNames.get(key);
    if (!name) {
      name = `g${this.gen.id}.${node.path.join('.')}`;
      this.funcNames.set(key, name);
      this.pending.push({ name, node, gen: this.gen });
    }
    return name;
  }

  callRule(node: RuleNode, args: Operand[] = []): Local {
    const result = this.newLocal();
    const slots = this.slotArgs();
    this.emit({
      kind: 'Call',
      func: this.funcName(node),
      args: [local(0), local(1), ...args, ...slots],
      result,
    });
    return result;
  }

  /** Plans queued rule functions until none are left, using `planFunc` for each. */
  drain(planFunc: (node: RuleNode, name: string) => Func): void {
    while (this.pending.length) {
      const p = this.pending.shift()!;
      const saved = { cur: this.cur, frame: this.frame, gen: this.gen };
      this.cur = [];
      this.frame = new FuncFrame();
      this.gen = p.gen;
      try {
        this.policy.funcs.push(planFunc(p.node, p.name));
      } finally {
        Object.assign(this, saved);
      }
    }
  }
}
