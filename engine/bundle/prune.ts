// Entrypoint pruning for wasm bundles, as `opa build -t wasm` does it: the rules an entrypoint names
// are moved out of the bundle's .rego files into policy.wasm, and so is every rule that depends on a
// moved rule (transitively), which becomes an entrypoint of the wasm too. Each module of a package
// that lost rules imports them back (`import data.pkg.rule`), so the sources still read as Rego.
// Package entrypoints (`-e pkg`) prune nothing here.
import { resolveModules } from '../compile/resolve.js';
import type { SourceFile } from '../compiler.js';
import type { Module, Rule, Term } from '../syntax/ast.js';
import { DiagnosticBag } from '../syntax/diagnostics.js';

export interface PrunePlan {
  /** The wasm's entrypoints: the requested ones first, then the moved dependents, sorted. */
  entrypoints: string[];
  /** The .rego sources without the moved rules. */
  modules: SourceFile[];
}

const segment = (t: Term): string | undefined => (t.type === 'string' ? t.value : undefined);

/** `pkg/sub` of a module (its package path without `data`). */
function packagePath(mod: Module): string {
  return mod.package.path.slice(1).map(segment).join('/');
}

/** Every `data.…` ref in a rule (resolved), as its leading constant segments joined by `/`. */
function dataRefs(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) for (const x of node) dataRefs(x, out);
  else if (node && typeof node === 'object') {
    const t = node as { type?: string; value?: unknown };
    if (t.type === 'ref' && Array.isArray(t.value)) {
      const [head, ...rest] = t.value as Term[];
      if (head?.type === 'var' && head.value === 'data') {
        const path: string[] = [];
        for (const s of rest) {
          const v = segment(s);
          if (v === undefined) break;
          path.push(v);
        }
        out.add(path.join('/'));
      }
    }
    for (const v of Object.values(node)) dataRefs(v, out);
  }
}

/** Whether a ref to `ref` reads rule `rule` (one path is a prefix of the other). */
const touches = (ref: string, rule: string) =>
  ref === rule || rule.startsWith(`${ref}/`) || ref.startsWith(`${rule}/`) || ref === '';

/** Plans the pruning; `parsed` are the modules as parsed from `sources` (same order, same files). */
export function planPruning(sources: SourceFile[], parsed: Module[], entrypoints: string[]): PrunePlan {
  const resolved = structuredClone(parsed);
  resolveModules(resolved, new DiagnosticBag());
  const rules: { key: string; refs: Set<string> }[] = [];
  for (const mod of resolved)
    for (const r of mod.rules) {
      const refs = new Set<string>();
      dataRefs(r, refs);
      rules.push({ key: `${packagePath(mod)}/${r.head.name}`, refs });
    }
  const keys = new Set(rules.map((r) => r.key));
  const moved = new Set(entrypoints.filter((e) => keys.has(e)));
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of rules)
      if (!moved.has(r.key) && [...r.refs].some((ref) => [...moved].some((m) => touches(ref, m)))) {
        moved.add(r.key);
        grew = true;
      }
  }
  const extra = [...moved].filter((m) => !entrypoints.includes(m)).sort();
  if (moved.size === 0) return { entrypoints, modules: sources };
  const modules = sources.map((src) => {
    const mod = parsed.find((m) => m.file === src.file);
    if (!mod) return src;
    const pkg = packagePath(mod);
    const cut = mod.rules.filter((r: Rule) => moved.has(`${pkg}/${r.head.name}`) && r.loc);
    const imports = [...moved].filter((m) => m.slice(0, m.lastIndexOf('/')) === pkg).sort();
    if (cut.length === 0 && imports.length === 0) return src;
    let text = src.source;
    for (const r of [...cut].sort((a, b) => b.loc!.offset - a.loc!.offset))
      text = text.slice(0, r.loc!.offset) + text.slice(r.loc!.end);
    const at = mod.package.loc?.end ?? 0;
    const lines = imports.map((m) => `import data.${m.replace(/\//g, '.')}`).join('\n');
    text = `${text.slice(0, at)}\n\n${lines}\n${text.slice(at)}`;
    return { ...src, source: `${text.replace(/\n{3,}/g, '\n\n').trimEnd()}\n` };
  });
  return { entrypoints: [...entrypoints, ...extra], modules };
}
