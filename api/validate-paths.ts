// Validates SemaMesh manifests found in files and directories: what `semamesh validate` reports and
// what `semamesh compile` / local mode load.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { compareDiagnostics, type Diagnostic } from './diagnostics.js';
import { API_ERROR_CODES } from './errors.js';
import { type ValidatedDocument, validateDocuments } from './validate-documents.js';

export interface ValidateSummary {
  files: number;
  documents: number;
  resources: number;
  ignored: number;
  errors: number;
  warnings: number;
  diagnostics: Diagnostic[];
  /** The valid SemaMesh objects found, in file order (with CRD defaults applied). */
  objects: ValidatedDocument[];
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
    objects: [],
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
    for (const d of report.documents) if (d.type === 'semamesh' && d.valid) summary.objects.push(d);
  }
  diagnostics.sort(compareDiagnostics);
  summary.errors = diagnostics.filter((d) => d.severity === 'error').length;
  summary.warnings = diagnostics.filter((d) => d.severity === 'warning').length;
  return summary;
}
