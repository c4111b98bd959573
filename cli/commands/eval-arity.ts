// Which top-level query expressions of `semamesh eval` are calls with an output argument
// (`replace("abc", "b", "d", x)`, `data.x.f(1, y)`): one argument more than the function's arity.
// opa reports such an expression's value as `true` and binds the output, so the query rewrite must
// not wrap it as a term. Arity comes from the builtin catalog and from the function rules of the
// loaded modules, with the query's `--package` and `--import`s resolved as opa resolves them.
import { lookupBuiltin } from '../../engine/builtins/catalog.js';
import type { SourceFile } from '../../engine/compiler.js';
import {
  isCallExpr,
  type Module,
  operatorName,
  parseModule,
  parseQuery,
  type Term,
} from '../../engine/syntax/index.js';

export interface QueryContext {
  queryPackage?: string;
  queryImports?: string[];
  regoVersion?: 0 | 1;
}

/** `[var data, "a", "b"]` → `data.a.b`, or undefined when a segment is not a plain name. */
const dotted = (terms: Term[]) => operatorName({ type: 'ref', value: terms });

/** Full paths (`data.a.b.f`) of the function rules in the modules that parse, with their arity. */
function functionArities(sources: SourceFile[], regoVersion?: 0 | 1): Map<string, number> {
  const out = new Map<string, number>();
  for (const { file, source, regoVersion: own } of sources) {
    const { module } = parseModule(source, file, { regoVersion: own ?? regoVersion });
    if (!module) continue;
    const pkg = dotted(module.package.path);
    for (const rule of module.rules) {
      const name = dotted(rule.head.ref);
      if (pkg && name && rule.head.args) out.set(`${pkg}.${name}`, rule.head.args.length);
    }
  }
  return out;
}

/** The query's imports as alias → path (`data.x as y` → y → data.x; `data.x` → x → data.x). */
function importAliases(context: QueryContext): Map<string, string> {
  const out = new Map<string, string>();
  if (!context.queryImports?.length) return out;
  const source = ['package __semamesh_query__', ...context.queryImports.map((i) => `import ${i}`)].join('\n');
  const imports: Module['imports'] =
    parseModule(source, '', { regoVersion: context.regoVersion }).module?.imports ?? [];
  for (const { path, alias } of imports) {
    const full = dotted(path.value);
    const last = path.value.at(-1);
    const name = alias ?? (last?.type === 'string' || last?.type === 'var' ? last.value : undefined);
    if (full && name) out.set(name, full);
  }
  return out;
}

/**
 * A predicate on one expression's text (without its `with` modifiers): true when it is a call whose
 * operator names a function of known arity n and that has n + 1 arguments.
 */
export function outputCalls(sources: SourceFile[], context: QueryContext = {}): (text: string) => boolean {
  const functions = functionArities(sources, context.regoVersion);
  const aliases = importAliases(context);
  const arity = (name: string): number | undefined => {
    const [head, ...rest] = name.split('.');
    if (head === 'data') return functions.get(name);
    const imported = aliases.get(head as string);
    if (imported !== undefined) return functions.get([imported, ...rest].join('.'));
    const local = context.queryPackage ? functions.get(`data.${context.queryPackage}.${name}`) : undefined;
    if (local !== undefined) return local;
    const builtin = lookupBuiltin(name);
    return builtin && !builtin.variadic ? builtin.arity : undefined;
  };
  return (text) => {
    const body = parseQuery(text).body;
    const expr = body?.length === 1 ? body[0] : undefined;
    if (!expr || expr.negated || !isCallExpr(expr)) return false;
    const [operator, ...args] = expr.terms;
    const name = operator && operatorName(operator);
    const n = name === undefined ? undefined : arity(name);
    return n !== undefined && args.length === n + 1;
  };
}
