// Runs Rego unit tests (`test_*` rules) through the wasm path — compile once with every test rule as
// an entrypoint, load into the opa-wasm SDK, evaluate each — like `opa test -t wasm`.
//
// As in `opa test`, every test *definition* is a test of its own: a second `test_a` of a package is
// reported as `test_a#01`. A test whose head is a ref with variables (`test_x[name] if ...`) is
// parametrised: each key is a sub-result, and a key that the body bound but then failed is a FAIL.
import { compile, type SourceFile } from '../compiler.js';
import { describe as describeError, loadPolicySync } from '../policy.js';
import type { Body, Module, Rule, Term } from '../syntax/ast.js';
import type { Diagnostic } from '../syntax/diagnostics.js';
import { type CoverageReport, coverageReport } from './coverage.js';
import { formatPrintOperands } from './print.js';

export interface TestLocation {
  file: string;
  row: number;
  col: number;
}

/** One key of a parametrised test (nested for `test_x.y[k]` heads). */
export interface SubResult {
  name: string;
  fail?: boolean;
  sub?: Map<string, SubResult>;
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
  /** What the test's `print()` calls wrote, one line per call. */
  output?: string;
  /** Parametrised tests: one entry per key. */
  sub?: Map<string, SubResult>;
}

export interface TestRun {
  results: TestResult[];
  /** Load or compile problems: when present, no test ran. */
  diagnostics: Diagnostic[];
  /** With `coverage`: what the tests reached. */
  coverage?: CoverageReport;
}

export interface RunOptions {
  modules: SourceFile[];
  data?: Record<string, unknown>;
  /** Only tests whose `data.pkg.name` matches run (others are left out, as `opa test --run`). */
  run?: RegExp;
  /** Rego version of modules that do not set one (`--v0-compatible`: 0). */
  regoVersion?: 0 | 1;
  /** Record which expressions the tests reach (`--coverage`). */
  coverage?: boolean;
}

interface TestDef {
  pkg: string[];
  /** The name reported (`test_a`, `test_a#01` for the second definition). */
  name: string;
  /** The rule's position among all rules of its module, to find it again in the cloned modules. */
  moduleIndex: number;
  ruleIndex: number;
  rule: Rule;
  file: string;
  /** Parametrised: the head's ref has more than the name. */
  param: boolean;
  /** The name of the rule holding the keys the body bound (parametrised tests only). */
  probe?: string;
}

const isTestName = (n: string) => n.startsWith('test_') || n.startsWith('todo_test_');
const PROBE_PREFIX = '__semamesh_probe_';

function pkgOf(m: Module): string[] {
  return m.package.path.slice(1).map((t) => (t.type === 'string' ? t.value : ''));
}

/** Test rules: rules without arguments whose name starts with `test_` (or `todo_test_`, skipped). */
function findTests(modules: Module[]): TestDef[] {
  const tests: TestDef[] = [];
  const seen = new Map<string, number>();
  modules.forEach((m, moduleIndex) => {
    const pkg = pkgOf(m);
    m.rules.forEach((rule, ruleIndex) => {
      const head = rule.head;
      if (head.args || !isTestName(head.name) || head.contains) return;
      const key = [...pkg, head.name].join('/');
      const n = seen.get(key) ?? 0;
      seen.set(key, n + 1);
      const name = n === 0 ? head.name : `${head.name}#${String(n).padStart(2, '0')}`;
      const param = head.ref.length > 1;
      tests.push({ pkg, name, moduleIndex, ruleIndex, rule, file: m.file, param });
    });
  });
  return tests;
}

function termVarNames(t: Term, out: Set<string>): Set<string> {
  const walk = (x: unknown): void => {
    if (!x || typeof x !== 'object') return;
    if (Array.isArray(x)) {
      for (const y of x) walk(y);
      return;
    }
    const o = x as { type?: string; value?: unknown };
    if (o.type === 'var' && typeof o.value === 'string') out.add(o.value);
    for (const [k, v] of Object.entries(o)) if (k !== 'loc') walk(v);
  };
  walk(t);
  return out;
}

/**
 * The shortest prefix of the body after which every key variable has appeared: the part that
 * enumerates the keys. A key bound there but missing from the test's value failed later on.
 */
function keyPrefix(rule: Rule): Body | undefined {
  const keyVars = new Set<string>();
  for (const t of rule.head.ref.slice(1)) termVarNames(t, keyVars);
  keyVars.delete('_');
  if (keyVars.size === 0) return undefined;
  const missing = new Set(keyVars);
  for (let i = 0; i < rule.body.length; i++) {
    for (const v of termVarNames(rule.body[i] as unknown as Term, new Set())) missing.delete(v);
    if (missing.size === 0) return rule.body.slice(0, i + 1);
  }
  return undefined;
}

/** Names duplicate test definitions apart and adds a key probe rule per parametrised test. */
function rewriteForTests(tests: TestDef[], probes: boolean) {
  return (modules: Module[]): void => {
    for (const t of tests) {
      const m = modules[t.moduleIndex];
      const rule = m.rules[t.ruleIndex];
      if (t.name !== rule.head.name) {
        rule.head.name = t.name;
        const first = rule.head.ref[0];
        if (first.type === 'var') rule.head.ref[0] = { ...first, value: t.name };
      }
      if (!probes || !t.param || !t.probe) continue;
      const prefix = keyPrefix(rule);
      if (!prefix) continue;
      const probe: Rule = structuredClone(rule);
      probe.head.name = t.probe;
      probe.head.ref[0] = { type: 'var', value: t.probe, loc: rule.head.ref[0].loc };
      probe.head.value = { type: 'boolean', value: true, loc: rule.head.loc };
      probe.head.assign = false;
      probe.body = structuredClone(prefix);
      delete probe.else;
      m.rules.push(probe);
    }
  };
}

/** Walks a parametrised test's value (`{k: true}`, nested per ref segment) into sub-results. */
function subResults(value: unknown, probe: unknown, depth: number): Map<string, SubResult> {
  const out = new Map<string, SubResult>();
  const obj = (v: unknown): Record<string, unknown> =>
    v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  const passed = obj(value);
  const bound = obj(probe);
  const keys = [...new Set([...Object.keys(bound), ...Object.keys(passed)])];
  for (const k of keys) {
    // The SDK hands object keys over as strings; non-string keys arrive as compact JSON, which
    // is also how opa test names them (`["p",1]`).
    const r: SubResult = { name: k };
    if (depth > 1) {
      r.sub = subResults(passed[k], bound[k], depth - 1);
      if ([...r.sub.values()].some(failed)) r.fail = true;
    } else if (!Object.hasOwn(passed, k) || passed[k] === false) r.fail = true;
    out.set(r.name, r);
  }
  return out;
}

function failed(r: SubResult): boolean {
  return r.fail === true;
}

/** One test to evaluate in a loaded policy (plain data, so it can cross to a worker thread). */
export interface TestJob {
  /** Entrypoint id of the test rule. */
  id: number;
  param: boolean;
  /** Entrypoint id of the key probe (parametrised tests whose probe compiled). */
  probeId?: number;
  /** Ref segments after the test's name (parametrised tests). */
  depth: number;
}

/** What evaluating one job gives; merged into its TestResult. */
export type JobOutcome = Pick<TestResult, 'outcome' | 'durationNs' | 'error' | 'output' | 'sub'>;

/** A compiled test run, ready to evaluate: the wasm, the data and one job per runnable test. */
export interface PreparedRun {
  results: TestResult[];
  /** Index into `results` for each job. */
  jobResults: number[];
  jobs: TestJob[];
  wasm?: Uint8Array;
  data?: Record<string, unknown>;
  diagnostics: Diagnostic[];
  /** The parsed modules (for the coverage report). */
  modules?: Module[];
}

/** Finds and compiles the tests (one wasm module, every test and key probe an entrypoint). */
export function prepareTests(options: RunOptions): PreparedRun {
  // A first pass in validation mode yields the parsed modules, so tests can be found from the AST.
  const checked = compile({ modules: options.modules, regoVersion: options.regoVersion });
  if (checked.diagnostics.length > 0 || !checked.modules)
    return { results: [], jobResults: [], jobs: [], diagnostics: checked.diagnostics };
  const all = findTests(checked.modules);
  const selected = all.filter(
    (t) => !options.run || options.run.test(`data.${[...t.pkg, t.name].join('.')}`),
  );
  const runnable = selected.filter((t) => !t.name.startsWith('todo_'));
  runnable.forEach((t, i) => {
    if (t.param) t.probe = `${PROBE_PREFIX}${i}`;
  });
  const results: TestResult[] = selected.map((t) => ({
    package: `data.${t.pkg.join('.')}`,
    name: t.name,
    location: { file: t.file, row: t.rule.loc?.row ?? 0, col: t.rule.loc?.col ?? 0 },
    outcome: 'skip',
    durationNs: 0,
  }));
  const prepared: PreparedRun = {
    results,
    jobResults: [],
    jobs: [],
    data: options.data,
    diagnostics: [],
    modules: checked.modules,
  };
  if (runnable.length === 0) return prepared;
  const ep = (t: TestDef, name: string) => [...t.pkg, name].join('/');
  const entrypoints = runnable.map((t) => ep(t, t.name));
  const probed = runnable.filter((t) => t.probe);
  const build = (probes: boolean) =>
    compile({
      modules: options.modules,
      regoVersion: options.regoVersion,
      entrypoints: probes ? [...entrypoints, ...probed.map((t) => ep(t, t.probe!))] : entrypoints,
      print: true,
      coverage: options.coverage,
      rewrite: rewriteForTests(runnable, probes),
    });
  // A probe is a prefix of a test body; where one cannot compile on its own (the body relies on
  // reordering past the prefix), the tests still run, without the failing keys.
  let compiled = build(probed.length > 0);
  let withProbes = probed.length > 0;
  if (!compiled.wasm && withProbes) {
    const plain = build(false);
    if (plain.wasm) {
      compiled = plain;
      withProbes = false;
    }
  }
  if (!compiled.wasm) return { results: [], jobResults: [], jobs: [], diagnostics: compiled.diagnostics };
  prepared.wasm = compiled.wasm;
  runnable.forEach((t, id) => {
    prepared.jobResults.push(selected.indexOf(t));
    prepared.jobs.push({
      id,
      param: t.param,
      probeId: withProbes && t.probe ? entrypoints.length + probed.indexOf(t) : undefined,
      depth: t.rule.head.ref.length - 1,
    });
  });
  return prepared;
}

/** Loads a prepared run's wasm with a print() sink; `printed` is reset per job by `evaluateJob`. */
export function loadTestPolicy(
  wasm: Uint8Array,
  data: Record<string, unknown> | undefined,
  printed: string[],
  reached = new Set<string>(),
) {
  const policy = loadPolicySync(wasm, {
    builtins: {
      'internal.print': (operands: unknown) => {
        printed.push(formatPrintOperands(operands));
        return null;
      },
      'internal.cover': (key: unknown) => {
        reached.add(String(key));
        return null;
      },
    },
  });
  if (data) policy.setData(data);
  return policy;
}

/** Evaluates one test: pass when defined and not false; per key for parametrised tests. */
export function evaluateJob(
  policy: ReturnType<typeof loadTestPolicy>,
  job: TestJob,
  printed: string[],
): JobOutcome {
  printed.length = 0;
  const out: JobOutcome = { outcome: 'fail', durationNs: 0 };
  const start = process.hrtime.bigint();
  try {
    const rows = policy.evaluate(undefined, job.id);
    if (job.param) {
      const value = rows[0]?.result;
      const probe =
        job.probeId === undefined ? undefined : policy.evaluate(undefined, job.probeId)[0]?.result;
      out.sub = subResults(value, probe, job.depth);
      out.outcome = [...out.sub.values()].some(failed) ? 'fail' : 'pass';
    } else {
      out.outcome = rows.length > 0 && rows.every((row) => row.result !== false) ? 'pass' : 'fail';
    }
  } catch (err) {
    out.outcome = 'error';
    out.error = describeError(err);
  }
  out.durationNs = Number(process.hrtime.bigint() - start);
  if (printed.length > 0) out.output = `${printed.join('\n')}\n`;
  return out;
}

/** Compiles and runs the tests in this thread; never throws for problems in the user's policies. */
export function runTests(options: RunOptions): TestRun {
  const prepared = prepareTests(options);
  if (prepared.diagnostics.length > 0) return { results: [], diagnostics: prepared.diagnostics };
  const reached = new Set<string>();
  if (prepared.wasm) {
    const printed: string[] = [];
    const policy = loadTestPolicy(prepared.wasm, prepared.data, printed, reached);
    prepared.jobs.forEach((job, i) => {
      Object.assign(prepared.results[prepared.jobResults[i]], evaluateJob(policy, job, printed));
    });
  }
  return finishRun(prepared, options, reached);
}

/** The run's results, with the coverage report when asked for. */
export function finishRun(prepared: PreparedRun, options: RunOptions, reached: ReadonlySet<string>): TestRun {
  const run: TestRun = { results: prepared.results, diagnostics: [] };
  if (options.coverage) run.coverage = coverageReport(prepared.modules ?? [], options.modules, reached);
  return run;
}
