// `semamesh build --capabilities caps.json`: like opa, a policy may call only the builtins a
// capabilities file lists (e.g. those of the opa release it will run on); any other is refused
// with opa's `rego_type_error: undefined function <name>`, located at the call.
import { readFileSync } from 'node:fs';
import { lookupBuiltin } from '../../engine/builtins/index.js';
import type { Diagnostic } from '../../engine/index.js';
import { type Module, operatorName, type Term } from '../../engine/syntax/ast.js';

/**
 * The builtin names a capabilities file allows. opa also takes a release name (`v0.60.0`) and reads
 * its own embedded copy; we ship none, so only a file is accepted.
 */
export function readCapabilities(path: string): Set<string> {
  let doc: { builtins?: { name?: unknown }[] };
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new Error(
      `--capabilities: no such file or capabilities version found: ${path} (give a capabilities.json file, e.g. from \`opa capabilities --current\`)`,
    );
  }
  if (!Array.isArray(doc.builtins)) throw new Error(`${path}: a capabilities file lists "builtins"`);
  return new Set(doc.builtins.map((b) => String(b.name)));
}

/** Calls of builtins the capabilities do not list, in source order (at most opa's 10 errors). */
export function checkCapabilities(modules: Module[], allowed: Set<string>): Diagnostic[] {
  const out: Diagnostic[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const term = node as Term & { loc?: { file: string; row: number; col: number } };
    if (term.type === 'call') {
      const name = operatorName(term.value[0]);
      if (name !== undefined && lookupBuiltin(name) && !allowed.has(name) && out.length < 10)
        out.push({
          code: 'rego_type_error',
          message: `undefined function ${name}`,
          location: term.loc && { file: term.loc.file, row: term.loc.row, col: term.loc.col },
        });
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'loc') visit(v);
  };
  for (const m of modules) visit(m.rules);
  return out;
}
