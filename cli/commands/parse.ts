// `semamesh parse <file>`: parses one Rego v1 file and prints its AST (JSON) or the canonical Rego
// text; diagnostics go to stderr as `file:row:col: code: message` with exit code 1.
import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import { formatDiagnostic, parseModule, printModule, stripLocations } from '../../engine/syntax/index.js';

export interface ParseOptions {
  format: 'json' | 'pretty';
  /** Keep `loc` fields (and comments) in the JSON output. */
  locations?: boolean;
}

/** Where output goes; tests pass collectors, the CLI passes stdout/stderr. */
export interface ParseIo {
  out: (text: string) => void;
  err: (line: string) => void;
}

/** Parses `file` and writes the result; returns the exit code (0 ok, 1 diagnostics or unreadable file). */
export async function runParse(file: string, opts: ParseOptions, io: ParseIo): Promise<number> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (err) {
    io.err(`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    return 1;
  }
  const { module, diagnostics } = parseModule(source, file);
  for (const d of diagnostics) io.err(formatDiagnostic(d));
  if (!module) return 1;
  if (opts.format === 'pretty') io.out(printModule(module));
  else io.out(`${JSON.stringify(opts.locations ? module : stripLocations(module), null, 2)}\n`);
  return 0;
}

export function registerParse(program: Command): void {
  program
    .command('parse')
    .description('parse a Rego v1 file and print its AST as JSON, or as canonical Rego with --format pretty')
    .argument('<file>', 'the .rego file to parse')
    .addOption(new Option('--format <format>', 'output format').choices(['json', 'pretty']).default('json'))
    .option('--locations', 'include source locations and comments in the JSON output')
    .action(async (file: string, opts: ParseOptions) => {
      const code = await runParse(file, opts, {
        out: (text) => process.stdout.write(text),
        err: (line) => console.error(line),
      });
      if (code !== 0) process.exitCode = code;
    });
}
