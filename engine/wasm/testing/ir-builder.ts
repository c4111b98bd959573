// Builds IR policies by hand for the wasm backend's tests (and benchmarks) until the planner lands:
// interned strings, declared builtins, and the standard `{"result": data.x}` entrypoint plan.
import type * as ir from '../../plan/ir.js';

export const L = (value: ir.Local): ir.Operand => ({ type: 'local', value });
export const B = (value: boolean): ir.Operand => ({ type: 'bool', value });
export const block = (...stmts: ir.Stmt[]): ir.Block => ({ stmts });

export class PolicyBuilder {
  private readonly strings: string[] = [];
  private readonly builtins: ir.BuiltinFunc[] = [];
  private readonly files: string[] = [];
  private readonly funcs: ir.Func[] = [];
  private readonly plans: ir.Plan[] = [];

  /** A string operand, interning `s` in static.strings. */
  s(s: string): ir.Operand {
    return { type: 'string_index', value: this.strIndex(s) };
  }

  strIndex(s: string): number {
    let i = this.strings.indexOf(s);
    if (i < 0) i = this.strings.push(s) - 1;
    return i;
  }

  file(name: string): number {
    let i = this.files.indexOf(name);
    if (i < 0) i = this.files.push(name) - 1;
    return i;
  }

  builtin(name: string, arity: number, isVoid = false): string {
    if (!this.builtins.some((b) => b.name === name))
      this.builtins.push({ name, arity, void: isVoid || undefined });
    return name;
  }

  /** A rule function `g0.data.<path>` with params (input, data, ...args) returning local `ret`. */
  func(path: string[], blocks: ir.Block[], opts: { ret?: ir.Local; args?: ir.Local[] } = {}): string {
    const name = `g0.data.${path.join('.')}`;
    this.funcs.push({
      name,
      params: [0, 1, ...(opts.args ?? [])],
      return: opts.ret ?? 2,
      blocks,
      path: ['g0', 'data', ...path],
    });
    return name;
  }

  plan(name: string, blocks: ir.Block[]): this {
    this.plans.push({ name, blocks });
    return this;
  }

  /** The plan `opa build -e` makes: {"result": <func(input, data)>} when defined. */
  resultPlan(name: string, func: string): this {
    return this.plan(name, [
      block(
        { kind: 'Call', func, args: [L(0), L(1)], result: 2 },
        { kind: 'MakeObject', target: 3 },
        { kind: 'ObjectInsert', key: this.s('result'), value: L(2), object: 3 },
        { kind: 'ResultSetAdd', value: 3 },
      ),
    ]);
  }

  build(): ir.Policy {
    return {
      static: { strings: [...this.strings], builtinFuncs: [...this.builtins], files: [...this.files] },
      plans: [...this.plans],
      funcs: [...this.funcs],
    };
  }
}
