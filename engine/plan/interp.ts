// A small interpreter for the IR, with plain JS values, so the planner can be tested (and the
// conformance cases measured) independently of the wasm code generator.
import { BUILTINS, hostBuiltins } from '../builtins/index.js';
import { parseTerm } from '../syntax/index.js';
import { InterpError } from './errors.js';
import { BUILTIN_IMPLS, BuiltinError } from './interp-builtins.js';
import { equal, fromJSON, RObject, RSet, toJSON, type Value, valueFromTerm } from './interp-values.js';
import type { Block, Func, Operand, Policy, Stmt } from './ir.js';

const DONE = -1;
const RETURN = 1e9;

type Locals = (Value | undefined)[];

export interface InterpOptions {
  input?: unknown;
  data?: unknown;
  /** Plan name; the first plan by default. */
  entrypoint?: string;
  /** Extra builtins (by name) for tests. */
  builtins?: Record<string, (...args: Value[]) => Value | undefined>;
  /** Limit on executed statements, so a planner bug cannot hang a test run. */
  maxSteps?: number;
}

class Machine {
  private readonly funcs = new Map<string, Func>();
  private steps = 0;
  private ret: Value | undefined;
  private results: RSet | undefined;

  constructor(
    private readonly policy: Policy,
    private readonly opts: InterpOptions,
  ) {
    for (const f of policy.funcs) this.funcs.set(f.name, f);
  }

  private op(l: Locals, o: Operand): Value | undefined {
    if (o.type === 'local') return l[o.value];
    if (o.type === 'bool') return o.value;
    return this.policy.static.strings[o.value];
  }

  /** Runs a block: DONE when it completes, otherwise how many enclosing blocks to exit beyond it. */
  block(l: Locals, b: Block): number {
    for (const s of b.stmts) {
      if (++this.steps > (this.opts.maxSteps ?? 5e7))
        throw new InterpError('eval_internal_error', 'step limit');
      const r = this.stmt(l, s);
      if (r !== DONE) return r;
    }
    return DONE;
  }

  /** DONE to continue; n ≥ 0 to exit the containing block and n more. */
  private nested(r: number): number {
    return r === RETURN ? RETURN : r > 0 ? r - 1 : DONE;
  }

  private stmt(l: Locals, s: Stmt): number {
    switch (s.kind) {
      case 'ReturnLocal':
        this.ret = l[s.source];
        return RETURN;
      case 'Call': {
        const args = s.args.map((a) => this.op(l, a));
        const isFunc = this.funcs.has(s.func);
        if (args.some((a, i) => a === undefined && !(isFunc && i < 2))) return 0;
        const v = this.call(s.func, args as Value[]);
        if (v === undefined) return 0;
        l[s.result] = v;
        return DONE;
      }
      case 'CallDynamic':
        throw new InterpError('eval_internal_error', 'CallDynamic is not supported by the interpreter');
      case 'Block':
        for (const b of s.blocks) {
          const r = this.block(l, b);
          if (r > 0) return this.nested(r);
        }
        return DONE;
      case 'Break':
        return s.index;
      case 'Dot': {
        const src = this.op(l, s.source);
        const key = this.op(l, s.key);
        if (src === undefined || key === undefined) return 0;
        const v = dot(src, key);
        if (v === undefined) return 0;
        l[s.target] = v;
        return DONE;
      }
      case 'Len': {
        const v = this.op(l, s.source);
        const n = length(v);
        if (n === undefined) return 0;
        l[s.target] = n;
        return DONE;
      }
      case 'Scan': {
        const src = l[s.source];
        if (src === undefined || src === null || typeof src !== 'object') return 0;
        const entries: [Value, Value][] = Array.isArray(src)
          ? src.map((v, i) => [i, v])
          : src instanceof RSet
            ? src.values().map((v) => [v, v])
            : [...src.entries()];
        for (const [k, v] of entries) {
          l[s.key] = k;
          l[s.value] = v;
          const r = this.block(l, s.block);
          if (r > 0) return this.nested(r);
        }
        return DONE;
      }
      case 'Not': {
        const r = this.block(l, s.block);
        if (r === DONE) return 0;
        return this.nested(r);
      }
      case 'AssignInt':
        l[s.target] = s.value;
        return DONE;
      case 'AssignVar': {
        const v = this.op(l, s.source);
        if (v === undefined) return 0;
        l[s.target] = v;
        return DONE;
      }
      case 'AssignVarOnce': {
        const v = this.op(l, s.source);
        if (v === undefined) return 0;
        const cur = l[s.target];
        if (cur !== undefined && !equal(cur, v))
          throw new InterpError('eval_conflict_error', 'var assignment conflict');
        l[s.target] = v;
        return DONE;
      }
      case 'ResetLocal':
        l[s.target] = undefined;
        return DONE;
      case 'MakeNull':
        l[s.target] = null;
        return DONE;
      case 'MakeNumberInt':
        l[s.target] = Number(s.value);
        return DONE;
      case 'MakeNumberRef':
        l[s.target] = Number(this.policy.static.strings[s.index]);
        return DONE;
      case 'MakeArray':
        l[s.target] = [];
        return DONE;
      case 'MakeObject':
        l[s.target] = new RObject();
        return DONE;
      case 'MakeSet':
        l[s.target] = new RSet();
        return DONE;
      case 'Equal':
      case 'NotEqual': {
        const a = this.op(l, s.a);
        const b = this.op(l, s.b);
        if (a === undefined || b === undefined) return 0;
        return equal(a, b) === (s.kind === 'Equal') ? DONE : 0;
      }
      case 'IsArray':
        return Array.isArray(this.op(l, s.source)) ? DONE : 0;
      case 'IsObject':
        return this.op(l, s.source) instanceof RObject ? DONE : 0;
      case 'IsSet':
        return this.op(l, s.source) instanceof RSet ? DONE : 0;
      case 'IsDefined':
        return l[s.source] !== undefined ? DONE : 0;
      case 'IsUndefined':
        return l[s.source] === undefined ? DONE : 0;
      case 'ArrayAppend': {
        const v = this.op(l, s.value);
        const arr = l[s.array];
        if (v === undefined || !Array.isArray(arr)) return 0;
        arr.push(v);
        return DONE;
      }
      case 'ObjectInsert':
      case 'ObjectInsertOnce': {
        const k = this.op(l, s.key);
        const v = this.op(l, s.value);
        const o = l[s.object];
        if (k === undefined || v === undefined || !(o instanceof RObject)) return 0;
        if (s.kind === 'ObjectInsertOnce') {
          const cur = o.get(k);
          if (cur !== undefined && !equal(cur, v))
            throw new InterpError('eval_conflict_error', 'object insert conflict');
        }
        o.set(k, v);
        return DONE;
      }
      case 'ObjectMerge': {
        const a = l[s.a];
        const b = l[s.b];
        if (a === undefined || b === undefined) return 0;
        const m = merge(a, b);
        if (m === undefined) return 0;
        l[s.target] = m;
        return DONE;
      }
      case 'SetAdd': {
        const v = this.op(l, s.value);
        const set = l[s.set];
        if (v === undefined || !(set instanceof RSet)) return 0;
        set.add(v);
        return DONE;
      }
      case 'With': {
        const v = this.op(l, s.value);
        if (v === undefined) return 0;
        const prev = l[s.local];
        l[s.local] = upsert(
          prev,
          s.path.map((i) => this.policy.static.strings[i]),
          v,
        );
        const r = this.block(l, s.block);
        l[s.local] = prev;
        return this.nested(r);
      }
      case 'Nop':
        return DONE;
      case 'ResultSetAdd': {
        const v = l[s.value];
        if (!this.results) throw new InterpError('eval_internal_error', 'ResultSetAdd outside a plan');
        if (v !== undefined) this.results.add(v);
        return DONE;
      }
    }
  }

  call(name: string, args: Value[]): Value | undefined {
    const f = this.funcs.get(name);
    if (f) return this.func(f, args);
    const impl = this.opts.builtins?.[name] ?? preferredBuiltin(name);
    if (!impl)
      throw new InterpError('eval_internal_error', `builtin ${name} not implemented by the interpreter`);
    try {
      return impl(...args);
    } catch (e) {
      // Builtin errors make the call undefined, as in OPA's wasm target (no strict mode).
      if (e instanceof BuiltinError || !(e instanceof InterpError)) return undefined;
      throw e;
    }
  }

  private func(f: Func, args: Value[]): Value | undefined {
    const l: Locals = [];
    f.params.forEach((p, i) => {
      l[p] = args[i];
    });
    for (const b of f.blocks) {
      const r = this.block(l, b);
      if (r === RETURN) {
        const v = this.ret;
        this.ret = undefined;
        return v;
      }
    }
    return l[f.return];
  }

  plan(name: string | undefined, input: Value | undefined, data: Value): Value[] {
    const plan = name === undefined ? this.policy.plans[0] : this.policy.plans.find((p) => p.name === name);
    if (!plan) throw new InterpError('eval_internal_error', `no plan ${name}`);
    this.results = new RSet();
    const l: Locals = [input, data];
    for (const b of plan.blocks) this.block(l, b);
    return this.results.values();
  }
}

/**
 * The TypeScript host builtins are the ones the wasm target uses, so they win, except where sets
 * are involved: the SDK's JSON marshalling turns sets into arrays, which the interpreter's own
 * set-aware versions avoid.
 */
function preferredBuiltin(name: string): ((...args: Value[]) => Value | undefined) | undefined {
  const d = BUILTINS.get(name);
  const setty =
    !d?.args || d.args.some((a) => a.includes('set') || a.includes('any')) || d.result?.includes('set');
  if (BUILTIN_IMPLS[name] && setty) return BUILTIN_IMPLS[name];
  return hostBuiltin(name) ?? BUILTIN_IMPLS[name];
}

/** A TypeScript host builtin, called as the SDK does: JSON in, JSON out (sets become arrays). */
function hostBuiltin(name: string): ((...args: Value[]) => Value | undefined) | undefined {
  const impl = hostBuiltins[name];
  if (!impl) return undefined;
  return (...args) => {
    const r = impl(...args.map(toJSON));
    if (r === undefined) return undefined;
    if (r instanceof ArrayBuffer || ArrayBuffer.isView(r)) {
      // Results with sets or big numbers travel as Rego value text (see builtins/host/set-result).
      const bytes =
        r instanceof ArrayBuffer ? new Uint8Array(r) : new Uint8Array(r.buffer, r.byteOffset, r.byteLength);
      const parsed = parseTerm(new TextDecoder().decode(bytes));
      return parsed.term ? valueFromTerm(parsed.term) : undefined;
    }
    return fromJSON(r);
  };
}

function dot(src: Value, key: Value): Value | undefined {
  if (Array.isArray(src)) return typeof key === 'number' && Number.isInteger(key) ? src[key] : undefined;
  if (src instanceof RObject) return src.get(key);
  if (src instanceof RSet) return src.has(key) ? key : undefined;
  return undefined;
}

function length(v: Value | undefined): number | undefined {
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (v instanceof RObject || v instanceof RSet) return v.size;
  return undefined;
}

function merge(a: Value, b: Value): Value | undefined {
  if (!(a instanceof RObject) || !(b instanceof RObject)) return undefined;
  const out = new RObject();
  for (const [k, v] of a.entries()) out.set(k, v);
  for (const [k, v] of b.entries()) {
    const cur = out.get(k);
    if (cur === undefined) out.set(k, v);
    else if (cur instanceof RObject && v instanceof RObject) {
      const m = merge(cur, v);
      if (m === undefined) return undefined;
      out.set(k, m);
    } else out.set(k, v);
  }
  return out;
}

function upsert(doc: Value | undefined, path: string[], v: Value): Value {
  if (path.length === 0) return v;
  const out = new RObject();
  if (doc instanceof RObject) for (const [k, x] of doc.entries()) out.set(k, x);
  out.set(path[0], upsert(out.get(path[0]), path.slice(1), v));
  return out;
}

/** Runs a plan of `policy`; returns the result set as JSON rows (sets as arrays). */
export function interpret(policy: Policy, opts: InterpOptions = {}): unknown[] {
  const m = new Machine(policy, opts);
  const input = opts.input === undefined ? undefined : fromJSON(opts.input);
  const rows = m.plan(opts.entrypoint, input, fromJSON(opts.data ?? {}));
  return rows.map(toJSON);
}

export { InterpError };
