// `semamesh validate <files|dirs...>`: checks SemaMesh manifests against the API schemas and prints located diagnostics.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import {
  API_ERROR_CODES,
  compareDiagnostics,
  type Diagnostic,
  formatDiagnostic,
  validateDocuments,
} from '../../engine/api/index.js';

export interface ValidateOptions {
  output: 'text' | 'json';
  /** Also print notes (documents skipped because they belong to another API group). */
  verbose?: boolean;
}

/** Where output goes; tests pass collectors, the CLI passes stdout. */
export interface ValidateIo {
  out: (line: string) => void;
}

export interface ValidateSummary {
  files: number;
  documents: number;
  resources: number;
  ignored: number;
  errors: number;
  warnings: number;
  diagnostics: Diagnostic[];
}

const SKIP_DIRS = new Set(['node_modules', 'dist', 'build']);

function fileProblem(file: string, message: string, severity: 'error' | 'warning' = 'error'): Diagnostic {
  return { file, line: 0, col: 0, code: API_ERROR_CODES.FILE_READ, severity, message };
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) await walk(path, out);
    } else if (e.isFile() && /\.ya?ml$/i.test(e.name)) out.push(path);
  }
}

/** Files to read: explicit files whatever their extension, `.yaml`/`.yml` files found under directories. */
async function collect(paths: string[], problems: Diagnostic[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of paths) {
    try {
      if ((await stat(p)).isDirectory()) {
        const found: string[] = [];
        await walk(p, found);
        if (found.length === 0)
          problems.push(fileProblem(p, 'no .yaml or .yml files in this directory', 'warning'));
        files.push(...found);
      } else files.push(p);
    } catch (err) {
      problems.push(fileProblem(p, `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`));
    }
  }
  return [...new Set(files)];
}

/** Validates every file and returns the totals; prints nothing. */
export async function validatePaths(paths: string[]): Promise<ValidateSummary> {
  const diagnostics: Diagnostic[] = [];
  const files = await collect(paths, diagnostics);
  const summary: ValidateSummary = {
    files: 0,
    documents: 0,
    resources: 0,
    ignored: 0,
    errors: 0,
    warnings: 0,
    diagnostics,
  };
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      diagnostics.push(
        fileProblem(file, `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`),
      );
      continue;
    }
    summary.files++;
    const report = validateDocuments(text, file);
    diagnostics.push(...report.diagnostics);
    summary.documents += report.documents.length;
    summary.resources += report.documents.filter((d) => d.type === 'semamesh').length;
    summary.ignored += report.documents.filter((d) => d.type === 'ignored').length;
  }
  diagnostics.sort(compareDiagnostics);
  summary.errors = diagnostics.filter((d) => d.severity === 'error').length;
  summary.warnings = diagnostics.filter((d) => d.severity === 'warning').length;
  return summary;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Runs the command and returns its exit code: 1 when any error was found, else 0. */
export async function runValidate(paths: string[], opts: ValidateOptions, io: ValidateIo): Promise<number> {
  const s = await validatePaths(paths);
  if (opts.output === 'json') {
    io.out(JSON.stringify(s, null, 2));
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
    .addOption(new Option('-o, --output <format>', 'text or json').choices(['text', 'json']).default('text'))
    .option('-v, --verbose', 'also print notes about skipped documents', false)
    .action(async (paths: string[], opts: ValidateOptions) => {
      process.exitCode = await runValidate(paths, opts, { out: (line) => console.log(line) });
    });
}
