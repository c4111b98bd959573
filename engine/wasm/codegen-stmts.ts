// Compiles the statements of one IR plan or function into a wasm function body. IR blocks become wasm
// blocks; an undefined statement branches to the end of the innermost IR block (undefined = 0).
import type * as ir from '../plan/ir.js';
import { FunctionEmitter, I32, type Label } from './binary/index.js';
import { type CodegenContext, type RuntimeFunction, TAG } from './codegen-context.js';
import { DefinedLocals } from './codegen-defined.js';
import { codegenError } from './errors.js';

export interface FuncShape {
  /** IR locals passed as wasm params, in order. */
  params: readonly ir.Local[];
  /** Plans: the wasm param holding the result set (after the IR params). */
  resultSet?: boolean;
  /** Functions: the IR local returned at the end of the body. */
  returnLocal?: ir.Local;
  /** Memoization key for 2-param functions. */
  memoId?: number;
}

/** An open With: the IR block depth of its body, and the wasm locals to restore. */
interface WithFrame {
  irDepth: number;
  saved: number;
  target: number;
}

export class FuncCompiler {
  readonly f: FunctionEmitter;
  private readonly locals = new Map<ir.Local, number>();
  private readonly irBlocks: Label[] = [];
  private readonly resultSetParam: number;
  private scratchPool: number[] = [];
  /** Locals certainly defined at the current point: their checks are skipped. */
  private readonly def = new DefinedLocals();
  /** Open With statements, innermost last: breaks and returns out of them must undo them. */
  private readonly withFrames: WithFrame[] = [];
  /** A local only used between a value's production and its check (see setOrExit). */
  private tmp = -1;

  constructor(
    private readonly ctx: CodegenContext,
    private readonly shape: FuncShape,
    private readonly where: string,
  ) {
    const n = shape.params.length + (shape.resultSet ? 1 : 0);
    this.f = new FunctionEmitter(new Array(n).fill(I32));
    shape.params.forEach((l, i) => {
      if (this.locals.has(l)) throw codegenError(`${where}: parameter local ${l} is listed twice`);
      this.locals.set(l, i);
    });
    this.resultSetParam = shape.resultSet ? shape.params.length : -1;
    // Callers check user arguments (params after input and data) before calling.
    for (const l of shape.params.slice(2)) this.def.add(l);
  }

  /** Compiles the body and returns the encoded function body. */
  compile(blocks: readonly ir.Block[]): Uint8Array {
    const f = this.f;
    const memo = this.shape.memoId;
    const ret = this.shape.returnLocal;
    this.ctx.meter?.charge(f);
    if (memo !== undefined && ret !== undefined) {
      f.i32Const(memo).call(this.rt('opa_memoize_get')).localTee(this.local(ret));
      f.if();
      f.localGet(this.local(ret)).return().end();
    }
    this.blocks(blocks);
    if (ret !== undefined) {
      this.memoInsert(ret);
      f.localGet(this.local(ret));
    }
    return f.finish();
  }

  private rt(name: RuntimeFunction): number {
    return this.ctx.rt.get(name);
  }

  private local(l: ir.Local): number {
    let i = this.locals.get(l);
    if (i === undefined) {
      i = this.f.addLocal(I32);
      this.locals.set(l, i);
    }
    return i;
  }

  /** A temporary i32 local; release it when done so long functions do not pile up locals. */
  private scratch(): number {
    return this.scratchPool.pop() ?? this.f.addLocal(I32);
  }

  private release(...ls: number[]): void {
    this.scratchPool.push(...ls);
  }

  private get undefinedLabel(): Label {
    const l = this.irBlocks[this.irBlocks.length - 1];
    if (l === undefined) throw codegenError(`${this.where}: statement outside of any block`);
    return l;
  }

  /** Exits the innermost IR block when the i32 on the stack is zero. */
  private brIfZero(): void {
    this.f.i32Eqz().brIf(this.undefinedLabel);
  }

  /** Exits the innermost IR block if any of the given local operands is undefined. */
  private guard(...ops: readonly (ir.Operand | ir.Local)[]): void {
    const seen = new Set<number>();
    for (const op of ops) {
      const l = typeof op === 'number' ? op : op.type === 'local' ? op.value : undefined;
      if (l === undefined || seen.has(l) || this.def.has(l)) continue;
      seen.add(l);
      this.f.localGet(this.local(l));
      this.brIfZero();
      this.def.add(l);
    }
  }

  /**
   * Pops a value pointer: 0 exits the innermost IR block and leaves `target` untouched (a failed
   * statement must not clobber a local that later blocks still read); otherwise stores it.
   */
  private setOrExit(target: ir.Local): void {
    if (this.tmp < 0) this.tmp = this.f.addLocal(I32);
    this.f.localTee(this.tmp);
    this.brIfZero();
    this.f.localGet(this.tmp).localSet(this.local(target));
  }

  private blocks(blocks: readonly ir.Block[]): void {
    for (const b of blocks) this.block(b);
  }

  private block(b: ir.Block, after?: () => void): void {
    this.def.block(() => {
      this.irBlocks.push(this.f.block());
      for (const s of b.stmts) {
        this.stmt(s);
        this.def.after(s);
      }
      after?.();
      this.irBlocks.pop();
      this.f.end();
    });
  }

  /** Pushes the value of an operand (a value pointer, possibly 0 for an undefined local). */
  private operand(op: ir.Operand): void {
    switch (op.type) {
      case 'local':
        this.f.localGet(this.local(op.value));
        return;
      case 'string_index':
        if (op.value < 0 || op.value >= this.ctx.statics.stringCount)
          throw codegenError(`${this.where}: string index ${op.value} out of range`);
        this.f.i32Const(this.ctx.statics.stringSlot(op.value)).i32Load();
        return;
      case 'bool':
        this.f.i32Const(op.value ? 1 : 0).call(this.rt('opa_boolean'));
        return;
    }
  }

  /** Exits the innermost IR block unless the value in wasm local `v` is defined and has type `tag`. */
  private requireType(v: number, tags: readonly number[]): void {
    const f = this.f;
    f.localGet(v);
    this.brIfZero();
    f.localGet(v).call(this.rt('opa_value_type'));
    if (tags.length === 1) f.i32Const(tags[0]).i32Ne();
    else
      f.i32Const(tags[0])
        .i32Sub()
        .i32Const(tags.length - 1)
        .i32GtU(); // tags are contiguous
    f.brIf(this.undefinedLabel);
  }

  /** Evaluates an operand into a wasm local (the local itself for local operands). */
  private operandLocal(op: ir.Operand): { index: number; temp: boolean } {
    if (op.type === 'local') return { index: this.local(op.value), temp: false };
    const t = this.scratch();
    this.operand(op);
    this.f.localSet(t);
    return { index: t, temp: true };
  }

  private runtimeError(loc: ir.IrLocation | undefined, message: string): void {
    const statics = this.ctx.statics;
    const files = this.ctx.files;
    const file = loc && files[loc.file] !== undefined ? files[loc.file] : '';
    this.f
      .i32Const(statics.cString(file))
      .i32Const(loc?.row ?? 0)
      .i32Const(loc?.col ?? 0)
      .i32Const(statics.cString(message))
      .call(this.rt('opa_runtime_error'))
      .unreachable();
  }

  private memoInsert(source: ir.Local): void {
    if (this.shape.memoId === undefined) return;
    this.f.i32Const(this.shape.memoId).localGet(this.local(source)).call(this.rt('opa_memoize_insert'));
  }

  private stmt(s: ir.Stmt): void {
    const f = this.f;
    switch (s.kind) {
      case 'ReturnLocal':
        for (let i = 0; i < this.withFrames.length; i++) f.call(this.rt('opa_memoize_pop'));
        if (this.shape.returnLocal === undefined) {
          f.return();
          return;
        }
        this.memoInsert(s.source);
        f.localGet(this.local(s.source)).return();
        return;
      case 'Call':
        this.call(s);
        return;
      case 'CallDynamic':
        this.callDynamic(s);
        return;
      case 'Block':
        this.blocks(s.blocks);
        return;
      case 'Break': {
        const depth = this.irBlocks.length - 1 - s.index;
        const target = this.irBlocks[depth];
        if (target === undefined || s.index < 0)
          throw codegenError(`${this.where}: break ${s.index} leaves the function`);
        // Leaving a With's block sideways must still undo it, as its normal end does.
        for (const w of [...this.withFrames].reverse()) if (w.irDepth > depth) this.undoWith(w);
        f.br(target);
        return;
      }
      case 'Dot':
        this.guard(s.source, s.key);
        this.operand(s.source);
        this.operand(s.key);
        f.call(this.rt('opa_value_get'));
        this.setOrExit(s.target);
        return;
      case 'Len': {
        const v = this.operandLocal(s.source);
        this.requireType(v.index, [TAG.string, TAG.array, TAG.object, TAG.set]);
        f.localGet(v.index).call(this.rt('opa_value_length')).i64ExtendI32U().call(this.rt('opa_number_int'));
        f.localSet(this.local(s.target));
        if (v.temp) this.release(v.index);
        return;
      }
      case 'Scan':
        this.scan(s);
        return;
      case 'Not': {
        // Completing the inner block makes Not undefined; leaving it early makes Not defined.
        const outer = this.undefinedLabel;
        this.block(s.block, () => f.br(outer));
        return;
      }
      case 'AssignInt':
        f.i64Const(BigInt(s.value)).call(this.rt('opa_number_int')).localSet(this.local(s.target));
        return;
      case 'AssignVar':
        this.guard(s.source);
        this.operand(s.source);
        f.localSet(this.local(s.target));
        return;
      case 'AssignVarOnce':
        this.assignOnce(s);
        return;
      case 'ResetLocal':
        f.i32Const(0).localSet(this.local(s.target));
        this.def.kill(s.target);
        return;
      case 'MakeNull':
        f.call(this.rt('opa_null')).localSet(this.local(s.target));
        return;
      case 'MakeNumberInt':
        f.i64Const(s.value).call(this.rt('opa_number_int')).localSet(this.local(s.target));
        return;
      case 'MakeNumberRef': {
        const text = this.ctx.statics.irString(s.index);
        f.i32Const(text.addr).i32Const(text.len).call(this.rt('opa_number_ref'));
        this.setOrExit(s.target);
        return;
      }
      case 'MakeArray':
        f.i32Const(s.capacity).call(this.rt('opa_array_with_cap')).localSet(this.local(s.target));
        return;
      case 'MakeObject':
        f.call(this.rt('opa_object')).localSet(this.local(s.target));
        return;
      case 'MakeSet':
        f.call(this.rt('opa_set')).localSet(this.local(s.target));
        return;
      case 'Equal':
      case 'NotEqual':
        this.guard(s.a, s.b);
        this.operand(s.a);
        this.operand(s.b);
        f.call(this.rt('opa_value_equal'));
        if (s.kind === 'Equal') this.brIfZero();
        else f.brIf(this.undefinedLabel);
        return;
      case 'IsArray':
      case 'IsObject':
      case 'IsSet': {
        const tag = s.kind === 'IsArray' ? TAG.array : s.kind === 'IsObject' ? TAG.object : TAG.set;
        const v = this.operandLocal(s.source);
        this.requireType(v.index, [tag]);
        if (v.temp) this.release(v.index);
        return;
      }
      case 'IsDefined':
        f.localGet(this.local(s.source));
        this.brIfZero();
        return;
      case 'IsUndefined':
        f.localGet(this.local(s.source)).brIf(this.undefinedLabel);
        return;
      case 'ArrayAppend':
        this.guard(s.value, s.array);
        f.localGet(this.local(s.array));
        this.operand(s.value);
        f.call(this.rt('opa_array_append'));
        return;
      case 'ObjectInsert':
        this.guard(s.key, s.value, s.object);
        f.localGet(this.local(s.object));
        this.operand(s.key);
        this.operand(s.value);
        f.call(this.rt('opa_object_insert'));
        return;
      case 'ObjectInsertOnce':
        this.objectInsertOnce(s);
        return;
      case 'ObjectMerge':
        this.guard(s.a, s.b);
        f.localGet(this.local(s.a)).localGet(this.local(s.b)).call(this.rt('opa_value_merge'));
        this.setOrExit(s.target);
        return;
      case 'SetAdd':
        this.guard(s.value, s.set);
        f.localGet(this.local(s.set));
        this.operand(s.value);
        f.call(this.rt('opa_set_add'));
        return;
      case 'With':
        this.with(s);
        return;
      case 'Nop':
        return;
      case 'ResultSetAdd':
        this.resultSetAdd(s);
        return;
      default: {
        const never: never = s;
        throw codegenError(`${this.where}: unknown statement ${JSON.stringify((never as ir.Stmt).kind)}`);
      }
    }
  }

  private call(s: ir.CallStmt): void {
    const f = this.f;
    const target = this.ctx.resolveCall(s.func);
    if (!target)
      throw codegenError(`${this.where}: call to unknown function or builtin ${JSON.stringify(s.func)}`);
    if (s.args.length !== target.arity)
      throw codegenError(
        `${this.where}: ${s.func} takes ${target.arity} arguments, the call passes ${s.args.length}`,
      );
    // Planned functions get input and data even when undefined (input is optional).
    this.guard(...s.args.filter((_, i) => target.kind !== 'func' || i >= 2));
    if (target.kind === 'host') {
      if (s.args.length > 4)
        throw codegenError(`${this.where}: too many built-in call arguments (${s.func})`);
      // The stock SDK answers yaml.is_valid itself and leaves non-strings undefined; OPA says false.
      const stringOnly = s.func === 'yaml.is_valid';
      if (stringOnly) {
        this.operand(s.args[0]);
        f.call(this.rt('opa_value_type')).i32Const(TAG.string).i32Ne().if(I32);
        f.i32Const(0).call(this.rt('opa_boolean')).else();
      }
      // Recorded so that our host can read the arguments again with their sets (ABI.md).
      s.args.forEach((a, i) => {
        f.i32Const(i);
        this.operand(a);
        f.call(this.rt('opa_host_arg_set'));
      });
      f.i32Const(target.id).i32Const(0);
      for (const a of s.args) this.operand(a);
      f.call(this.rt(`opa_builtin${s.args.length}` as RuntimeFunction));
      if (stringOnly) f.end();
      if (target.void) {
        f.drop();
        return;
      }
    } else {
      for (const a of s.args) this.operand(a);
      f.call(target.index);
    }
    this.setOrExit(s.result);
    this.def.add(s.result);
  }

  private callDynamic(s: ir.CallDynamicStmt): void {
    const f = this.f;
    this.ctx.usesDynamicCalls = true;
    this.guard(...s.path, ...s.args.slice(2));
    const path = this.scratch();
    const idx = this.scratch();
    f.i32Const(s.path.length).call(this.rt('opa_array_with_cap')).localSet(path);
    for (const p of s.path) {
      f.localGet(path);
      this.operand(p);
      f.call(this.rt('opa_array_append'));
    }
    f.localGet(path).call(this.rt('opa_mapping_lookup')).localTee(idx);
    this.brIfZero();
    for (const a of s.args) f.localGet(this.local(a));
    const type = this.ctx.module.addType({ params: s.args.map(() => I32), results: [I32] });
    f.localGet(idx).callIndirect(type);
    this.release(path, idx);
    this.setOrExit(s.result);
  }

  private resultSetAdd(s: ir.ResultSetAddStmt): void {
    const f = this.f;
    if (this.resultSetParam < 0) throw codegenError(`${this.where}: ResultSetAdd outside of a plan`);
    // An undefined binding object adds nothing but does not make the block undefined.
    const maybeUndefined = !this.def.has(s.value);
    if (maybeUndefined) f.localGet(this.local(s.value)).if();
    f.localGet(this.resultSetParam).localGet(this.local(s.value)).call(this.rt('opa_set_add'));
    if (maybeUndefined) f.end();
  }

  private scan(s: ir.ScanStmt): void {
    const f = this.f;
    const src = this.local(s.source);
    const key = this.local(s.key);
    this.requireType(src, [TAG.array, TAG.object, TAG.set]);
    f.i32Const(0).localSet(key);
    const done = f.block();
    const loop = f.loop();
    this.ctx.meter?.charge(f);
    f.localGet(src).localGet(key).call(this.rt('opa_value_iter')).localTee(key).i32Eqz().brIf(done);
    f.localGet(src).localGet(key).call(this.rt('opa_value_get')).localSet(this.local(s.value));
    const valueDefined = this.def.has(s.value);
    this.def.enterLoop(s.block);
    this.def.add(s.key);
    this.def.add(s.value);
    this.block(s.block);
    f.br(loop);
    f.end(); // loop
    f.end(); // done
    // The loop ends with key = 0; value keeps its old state when nothing was scanned.
    this.def.kill(s.key);
    if (!valueDefined) this.def.forget(s.value);
  }

  private assignOnce(s: ir.AssignVarOnceStmt): void {
    const f = this.f;
    const target = this.local(s.target);
    this.guard(s.source);
    const done = f.block();
    const assign = f.block();
    f.localGet(target).i32Eqz().brIf(assign);
    f.localGet(target);
    this.operand(s.source);
    f.call(this.rt('opa_value_equal')).brIf(done);
    this.runtimeError(s.loc, 'var assignment conflict');
    f.end();
    this.operand(s.source);
    f.localSet(target);
    f.end();
  }

  private objectInsertOnce(s: ir.ObjectInsertOnceStmt): void {
    const f = this.f;
    const obj = this.local(s.object);
    this.guard(s.key, s.value, s.object);
    const key = this.operandLocal(s.key);
    const value = this.operandLocal(s.value);
    const old = this.scratch();
    const done = f.block();
    const insert = f.block();
    f.localGet(obj).localGet(key.index).call(this.rt('opa_value_get')).localTee(old).i32Eqz().brIf(insert);
    f.localGet(old).localGet(value.index).call(this.rt('opa_value_equal')).brIf(done);
    this.runtimeError(s.loc, 'object insert conflict');
    f.end();
    f.localGet(obj).localGet(key.index).localGet(value.index).call(this.rt('opa_object_insert'));
    f.end();
    this.release(old, ...[key, value].filter((x) => x.temp).map((x) => x.index));
  }

  /** dst = shallow copy of src if src is an object, else a fresh empty object. */
  private copyObjectOrFresh(src: number, dst: number): void {
    const f = this.f;
    const done = f.block();
    const fresh = f.block();
    f.localGet(src).i32Eqz().brIf(fresh);
    f.localGet(src).call(this.rt('opa_value_type')).i32Const(TAG.object).i32Ne().brIf(fresh);
    f.localGet(src).call(this.rt('opa_value_shallow_copy')).localSet(dst).br(done);
    f.end();
    f.call(this.rt('opa_object')).localSet(dst);
    f.end();
  }

  private with(s: ir.WithStmt): void {
    const f = this.f;
    const target = this.local(s.local);
    this.guard(s.value);
    const saved = this.scratch();
    f.localGet(target).localSet(saved);
    if (s.path.length === 0) {
      this.operand(s.value);
      f.localSet(target);
    } else {
      // Copy only the objects along the path, so the original document is never mutated.
      const root = this.scratch();
      const cur = this.scratch();
      const child = this.scratch();
      this.copyObjectOrFresh(target, root);
      f.localGet(root).localSet(cur);
      for (const seg of s.path.slice(0, -1)) {
        f.localGet(cur);
        this.operand({ type: 'string_index', value: seg });
        f.call(this.rt('opa_value_get')).localSet(child);
        this.copyObjectOrFresh(child, child);
        f.localGet(cur);
        this.operand({ type: 'string_index', value: seg });
        f.localGet(child).call(this.rt('opa_object_insert'));
        f.localGet(child).localSet(cur);
      }
      f.localGet(cur);
      this.operand({ type: 'string_index', value: s.path[s.path.length - 1] });
      this.operand(s.value);
      f.call(this.rt('opa_object_insert'));
      f.localGet(root).localSet(target);
      this.release(root, cur, child);
    }
    f.call(this.rt('opa_memoize_push'));
    const frame = { irDepth: this.irBlocks.length, saved, target };
    this.withFrames.push(frame);
    this.block(s.block);
    this.withFrames.pop();
    this.undoWith(frame);
    this.release(saved);
  }

  private undoWith(w: WithFrame): void {
    this.f.call(this.rt('opa_memoize_pop'));
    this.f.localGet(w.saved).localSet(w.target);
  }
}
