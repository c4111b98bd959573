// Runs a conformance case through `semamesh eval` as a user runs it — the case written out as files,
// the command's own argument parsing, file loading, compile, SDK evaluation and `-f json` output —
// inside a harness worker instead of a fresh process (a process per case would cost the CLI's
// start-up thousands of times). Test tooling: it drives cli/, which product code may not import.
import { Command } from 'commander';
import { registerEval } from '../../../cli/commands/eval.js';
import { rowsOfEvalJson, writeCaseFiles } from '../case-files.js';
import type { RawCase } from '../cases.js';
import { type EngineResult, judge } from '../judge.js';
import type { CaseOutcome } from '../run-case.js';
import type { Runner } from '../suites.js';

/** What broke inside our engine (as opposed to an error the policy raised): a crash, never a pass. */
const BROKEN =
  /internal (\w+ )?error|RuntimeError|^(semamesh eval: )?(unreachable|memory access out of bounds|Maximum call stack size exceeded)/im;
const ERROR_CODE = /\b(rego_\w+_error|eval_\w+_error)\b/;

interface Captured {
  out: string[];
  err: string[];
}

/** Runs `semamesh eval <args>` in this thread with console output captured; returns the exit code. */
async function evalCommand(args: string[], captured: Captured): Promise<number> {
  const program = new Command()
    .exitOverride()
    .configureOutput({ writeOut: (s) => captured.out.push(s), writeErr: (s) => captured.err.push(s) });
  registerEval(program);
  const { log, error } = console;
  console.log = (...a: unknown[]) => captured.out.push(a.join(' '));
  console.error = (...a: unknown[]) => captured.err.push(a.join(' '));
  process.exitCode = undefined;
  try {
    await program.parseAsync(['eval', ...args], { from: 'user' });
    return Number(process.exitCode ?? 0);
  } finally {
    process.exitCode = undefined;
    console.log = log;
    console.error = error;
  }
}

async function resultOf(tc: RawCase & { hasInput: boolean }, modulePrefix: string): Promise<EngineResult> {
  let files: ReturnType<typeof writeCaseFiles>;
  try {
    files = writeCaseFiles(tc, modulePrefix);
  } catch (err) {
    return { kind: 'unsupported', reason: (err as Error).message };
  }
  const captured: Captured = { out: [], err: [] };
  let code: number;
  try {
    code = await evalCommand(['--format', 'json', ...files.args], captured);
  } catch (err) {
    const e = err as Error;
    return { kind: 'crash', reason: `semamesh eval threw: ${(e.stack ?? e.message).slice(0, 300)}` };
  } finally {
    files.cleanup();
  }
  const stderr = files.local(captured.err.join('\n'));
  if (BROKEN.test(stderr)) return { kind: 'crash', reason: stderr.slice(0, 300) };
  if (code === 2) return { kind: 'error', message: stderr, code: ERROR_CODE.exec(stderr)?.[1] };
  if (code !== 0) return { kind: 'crash', reason: `exit ${code}: ${stderr.slice(0, 200)}` };
  try {
    return { kind: 'rows', rows: rowsOfEvalJson(captured.out.join('\n')) };
  } catch {
    return { kind: 'crash', reason: `no JSON result: ${captured.out.join('\n').slice(0, 200)}` };
  }
}

/** One case through `semamesh eval`, judged as OPA's runner for its suite does. */
export async function runCliCase(
  tc: RawCase & { hasInput: boolean },
  modulePrefix: string,
  runner: Runner,
): Promise<CaseOutcome> {
  const started = performance.now();
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(tc.env ?? {})) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  try {
    const result = await resultOf(tc, modulePrefix);
    return judge(tc, runner, result, performance.now() - started);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
