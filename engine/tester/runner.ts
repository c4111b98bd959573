// Runs Rego unit tests (`test_*` rules) through the wasm path — compile once with every test rule as
// an entrypoint, load into the opa-wasm SDK, evaluate each — like `opa test -t wasm`.
import { compile, type SourceFile } from '../compiler.js';
import { describe as describeError, loadPolicySync } from '../policy.js';
import type { Module, Rule } from '../syntax/ast.js';
import type { Diagnostic } from '../syntax/diagnostics.js';

export interface TestLocation {
  file: string;
  row: number;
  col: number;
}

export interface TestResult {
  /** `data.<package>` */
  package: string;
  name: string;
  location: TestLocation;
  outcome: 'pass' | 'fail' | 'error' | 'skip';
  /** Evaluation time in nanoseconds (0 for skipped tests). */
  durationNs: number;
  /** For `error`: what went wrong (e.g. a conflict error or a failing builtin). */
  error?: string;
}

export interface TestRun {
  results: TestResult[];
  /** Load or compile problems: when present, no test ran. */
  diagnostics: Diagnostic[];
}

export interface RunOptions {
  modules: SourceFile[];
  data?: Record<string, unknown>;
  /** Only tests whose `data.pkg.name` matches run (others are left out, as `opa test --run`). */
  run?: RegExp;
}

interface TestRule {
  pkg: string[];
  name: string;
  rule: Rule;
  file: string;
}

const isTestName = (n: string) => n.startsWith('test_') || n.startsWith('todo_test_');

/** Test rules: rules without arguments whose name starts with `test_` (or `todo_test_`, skipped). */
function findTests(modules: Module[]): TestRule[] {
  const tests: TestRule[] = [];
  const seen = new Set<string>();
  for (const m of modules) {
    const pkg = m.package.path.slice(1).map((t) => (t.type === 'string' ? t.value : ''));
    for (const rule of m.rules) {
      const head = rule.head;
      if (head.ref.length !== 1 || head.args || !isTestName(head.name)) continue;
      const key = [...pkg, head.name].join('/');
      if (seen.has(key)) continue;
      seen.add(key);
      tests.push({ pkg, name: head.name, rule, file: m.file });
    }
  }
  return tests;
}

/** Compiles and runs the tests; never throws for problems in the user's policies. */
export function runTests(options: RunOptions): TestRun {
  // A first pass in validation mode yields the parsed modules, so tests can be found from the AST.
  const checked = compile({ modules: options.modules });
  if (checked.diagnostics.length > 0 || !checked.modules)
    return { results: [], diagnostics: checked.diagnostics };
  const all = findTests(checked.modules);
  const selected = all.filter(
    (t) => !options.run || options.run.test(`data.${[...t.pkg, t.name].join('.')}`),
  );
  const runnable = selected.filter((t) => !t.name.startsWith('todo_'));
  const results = new Map<TestRule, TestResult>();
  for (const t of selected) {
    results.set(t, {
      package: `data.${t.pkg.join('.')}`,
      name: t.name,
      location: { file: t.file, row: t.rule.loc?.row ?? 0, col: t.rule.loc?.col ?? 0 },
      outcome: 'skip',
      durationNs: 0,
    });
  }
  if (runnable.length > 0) {
    const entrypoints = runnable.map((t) => [...t.pkg, t.name].join('/'));
    const compiled = compile({ modules: options.modules, entrypoints });
    if (!compiled.wasm) return { results: [], diagnostics: compiled.diagnostics };
    const policy = loadPolicySync(compiled.wasm);
    if (options.data) policy.setData(options.data);
    runnable.forEach((t, id) => {
      const r = results.get(t)!;
      const start = process.hrtime.bigint();
      try {
        const rows = policy.evaluate(undefined, id);
        r.outcome = rows.length > 0 && rows.every((row) => row.result === true) ? 'pass' : 'fail';
      } catch (err) {
        r.outcome = 'error';
        r.error = describeError(err);
      }
      r.durationNs = Number(process.hrtime.bigint() - start);
    });
  }
  return { results: selected.map((t) => results.get(t)!), diagnostics: [] };
}
