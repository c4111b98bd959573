// The planner's public entry: compiled program → IR policy, for entrypoints or for the query.
import type { CompiledProgram } from '../compile/program.js';
import type { Term } from '../syntax/ast.js';
import type { Diagnostic } from '../syntax/diagnostics.js';
import { local, type Policy } from './ir.js';
import { planBody } from './plan-exprs.js';
import { planDataRef } from './plan-refs.js';
import { planRuleFunc } from './plan-rules.js';
import { FuncFrame, PlanInternalError, Planner } from './planner.js';

export type PlanTarget = { entrypoints: string[] } | { query: true };

export interface PlanResult {
  policy?: Policy;
  diagnostics: Diagnostic[];
}

export { PlanInternalError };

/** Plans entrypoints (`a/b` → `{"result": data.a.b}`) or the program's query (plan `eval`). */
export function planProgram(
  program: CompiledProgram,
  target: PlanTarget,
  options: { coverage?: boolean } = {},
): PlanResult {
  try {
    return planUnguarded(program, target, options.coverage === true);
  } catch (err) {
    // A planner bug must not crash the caller; report it like OPA reports internal errors.
    const message = err instanceof Error ? err.message : String(err);
    return {
      diagnostics: [
        { code: 'rego_compile_error', message: `internal planner error (SM_ERR_PLAN_INTERNAL): ${message}` },
      ],
    };
  }
}

function planUnguarded(program: CompiledProgram, target: PlanTarget, coverage: boolean): PlanResult {
  const p = new Planner(program);
  p.coverage = coverage;
  if ('query' in target) {
    const query = program.query ?? [];
    const stmts = p.into({ stmts: [] }, () =>
      planBody(p, query, () => {
        const row = p.newLocal();
        p.emit({ kind: 'MakeObject', target: row });
        for (const [v, name] of program.queryVars) {
          const l = p.frame.vars.get(v);
          if (l !== undefined)
            p.emit({ kind: 'ObjectInsert', key: p.str(name), value: local(l), object: row });
        }
        p.emit({ kind: 'ResultSetAdd', value: row });
      }),
    ).stmts;
    p.policy.plans.push({ name: 'eval', blocks: [{ stmts }] });
  } else {
    for (const ep of target.entrypoints) {
      const ref: Term[] = [
        { type: 'var', value: 'data' },
        ...ep
          .split('/')
          .filter((s) => s.length > 0)
          .map((s): Term => ({ type: 'string', value: s })),
      ];
      p.frame = new FuncFrame();
      const stmts = p.into({ stmts: [] }, () =>
        planDataRef(p, ref, (op) => {
          const row = p.newLocal();
          p.emit({ kind: 'MakeObject', target: row });
          p.emit({ kind: 'ObjectInsert', key: p.str('result'), value: op, object: row });
          p.emit({ kind: 'ResultSetAdd', value: row });
        }),
      ).stmts;
      p.policy.plans.push({ name: ep, blocks: [{ stmts }] });
    }
  }
  p.drain((node, name) => planRuleFunc(p, node, name));
  if (!p.bag.empty) return { diagnostics: p.bag.items };
  return { policy: p.policy, diagnostics: [] };
}
