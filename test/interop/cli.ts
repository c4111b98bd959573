// Helpers for the interoperability tests: our CLI run in-process through the real command tree, and
// the opa binaries (topdown, and with opa's wasm engine) run beside it.
import { createProgram } from '../../cli/program.js';

export interface CliRun {
  stdout: string;
  stderr: string;
  status: number;
}

/**
 * Runs `semamesh <args>` in-process; what it printed with console.log/error, and its exit code.
 * (process.stdout itself is left alone: the test runner reports through it.)
 */
export async function semamesh(args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => out.push(`${a.join(' ')}\n`);
  console.error = (...a: unknown[]) => err.push(`${a.join(' ')}\n`);
  process.exitCode = 0;
  try {
    await createProgram().parseAsync(args, { from: 'user' });
    return { stdout: out.join(''), stderr: err.join(''), status: Number(process.exitCode ?? 0) };
  } finally {
    console.log = log;
    console.error = error;
    process.exitCode = 0;
  }
}
