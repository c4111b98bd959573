// `semamesh validate <files|dirs...>`: checks SemaMesh manifests against the API schemas and prints located diagnostics.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { formatDiagnostic, type ValidateSummary, validatePaths } from '../../api/index.js';
import { outputOption } from '../output.js';

export { type ValidateSummary, validatePaths };

export interface ValidateOptions {
  output: 'text' | 'json' | 'yaml';
  /** Also print notes (documents skipped because they belong to another API group). */
  verbose?: boolean;
}

/** Where output goes; tests pass collectors, the CLI passes stdout. */
export interface ValidateIo {
  out: (line: string) => void;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Runs the command and returns its exit code: 1 when any error was found, else 0. */
export async function runValidate(paths: string[], opts: ValidateOptions, io: ValidateIo): Promise<number> {
  const s = await validatePaths(paths);
  if (opts.output === 'json') {
    io.out(JSON.stringify(s, null, 2));
  } else if (opts.output === 'yaml') {
    io.out(stringify(s).trimEnd());
  } else {
    for (const d of s.diagnostics) if (opts.verbose || d.severity !== 'note') io.out(formatDiagnostic(d));
    io.out(
      `${plural(s.files, 'file')}, ${plural(s.documents, 'document')} ` +
        `(${s.resources} SemaMesh, ${s.ignored} ignored): ${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}`,
    );
  }
  return s.errors > 0 ? 1 : 0;
}

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description('check SemaMesh manifests (SemaPolicy, SemaQuota, …) against the API schema')
    .argument('<paths...>', 'YAML files, or directories searched for .yaml/.yml files')
    .addOption(outputOption(['json', 'yaml']))
    .option('-v, --verbose', 'also print notes about skipped documents', false)
    .action(async (paths: string[], opts: ValidateOptions) => {
      process.exitCode = await runValidate(paths, opts, { out: (line) => console.log(line) });
    });
}
