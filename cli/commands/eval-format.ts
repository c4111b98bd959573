// Output of `semamesh eval` in opa eval's formats (json, values, bindings, pretty, raw), and the
// query rewrite that lets our engine report a value per top-level expression as opa does. Our wasm
// returns the rows as a set (sorted, duplicates merged); opa's evaluator yields them in iteration
// order (object keys and set elements in its value order, arrays by index), so each wildcard `_`
// the query iterates with is named, and the rows are sorted by the iteration variables in order.
import { compareValues } from '../../engine/builtins/host/values.js';

/** One top-level expression of the query: its text, position, and the variable holding its value. */
export interface QueryExpr {
  text: string;
  row: number;
  col: number;
  /** Set for term expressions (`data.x.p`, `count(y)`): the value variable; else the value is `true`. */
  valueVar?: string;
}

const OPERATOR = /:=|==|!=|<=|>=|(?<![=!<>:])=(?!=)|(?<!-)<(?!=)|>(?!=)/;
const KEYWORD = /^(some|not|every|print)\b/;
const WITH = /\swith\s/;

/** Splits a query at top-level `;` and newlines (outside brackets and strings). */
export function splitQuery(query: string): QueryExpr[] {
  const out: QueryExpr[] = [];
  let depth = 0;
  let start = 0;
  let quote: string | undefined;
  const flush = (end: number) => {
    const raw = query.slice(start, end);
    const text = raw.trim();
    if (text && !text.startsWith('#')) {
      const at = start + raw.indexOf(text);
      const before = query.slice(0, at);
      const row = before.split('\n').length;
      out.push({ text, row, col: at - before.lastIndexOf('\n') });
    }
    start = end + 1;
  };
  for (let i = 0; i < query.length; i++) {
    const c = query[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === '`') quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (depth === 0 && (c === ';' || c === '\n')) flush(i);
  }
  flush(query.length);
  return out;
}

/**
 * The text with everything inside brackets and strings blanked out (same length, so indices hold),
 * so an operator inside `f(a == b)` does not count.
 */
function topLevel(text: string): string {
  let out = '';
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\' && quote === '"') {
        out += ' ';
        i++;
      } else if (c === quote) quote = undefined;
      out += ' ';
      continue;
    }
    if (c === '"' || c === '`') quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    out += depth === 0 && !quote && !')]}'.includes(c) ? c : ' ';
  }
  return out;
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const IDENT_CHAR = /[A-Za-z0-9_\]).]/;

/**
 * Names each `_` that indexes a reference outside any literal or comprehension (`data.a[_]`
 * becomes `data.a[__semamesh_wN__]`), and lists the variables the query iterates with, in order of
 * appearance: single-variable reference indexes and the variables of `some … in` (whose key is
 * named when only the value is).
 */
export function nameIterations(query: string): { query: string; iterVars: string[] } {
  // `some v in xs` iterates by key too: the key is named so the rows can be ordered by it.
  let keys = 0;
  const source = query.replace(
    /(^|[;\n])(\s*some\s+)([A-Za-z_]\w*)(\s+in\b)/g,
    (_m, lead: string, some: string, v: string, tail: string) =>
      `${lead}${some}__semamesh_k${keys++}__, ${v}${tail}`,
  );
  let out = '';
  let quote: string | undefined;
  let wildcards = 0;
  const stack: { ref: boolean; start: number }[] = [];
  const found: [number, string][] = [];
  const add = (v: string, at: number) => {
    if (IDENT.test(v) && v !== 'data' && v !== 'input') found.push([at, v]);
  };
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (quote) {
      if (c === '\\' && quote === '"') {
        out += c + (source[i + 1] ?? '');
        i++;
        continue;
      }
      if (c === quote) quote = undefined;
      out += c;
      continue;
    }
    if (c === '"' || c === '`') quote = c;
    else if (c === '[')
      stack.push({ ref: i > 0 && IDENT_CHAR.test(source[i - 1] as string), start: out.length + 1 });
    else if (c === '{' || c === '(') stack.push({ ref: false, start: out.length + 1 });
    else if (c === ']' || c === '}' || c === ')') {
      const open = stack.pop();
      if (c === ']' && open?.ref && stack.every((b) => b.ref)) add(out.slice(open.start).trim(), i);
    } else if (
      c === '_' &&
      !IDENT_CHAR.test(source[i - 1] ?? ' ') &&
      !/[A-Za-z0-9_]/.test(source[i + 1] ?? ' ')
    ) {
      if (stack.length > 0 && stack.every((b) => b.ref)) {
        out += `__semamesh_w${wildcards++}__`;
        continue;
      }
    }
    out += c;
  }
  for (const m of source.matchAll(/(?:^|[;\n])\s*some\s+([A-Za-z_][\w]*(?:\s*,\s*[A-Za-z_][\w]*)?)\s+in\b/g))
    for (const v of (m[1] as string).split(',')) add(v.trim(), m.index);
  const iterVars = [...new Set(found.sort((a, b) => a[0] - b[0]).map(([, v]) => v))];
  return { query: out, iterVars };
}

/** The rows in opa's iteration order: by each iteration variable in turn, in opa's value order. */
export function orderRows(rows: Record<string, unknown>[], iterVars: string[]): Record<string, unknown>[] {
  return [...rows].sort((a, b) => {
    for (const k of iterVars) {
      const c = compareValues(a[k], b[k]);
      if (c !== 0) return c;
    }
    return 0;
  });
}

/** An expression's text before its `with` modifiers. */
function withoutModifiers(text: string): string {
  const w = WITH.exec(topLevel(text));
  return w ? text.slice(0, w.index).trim() : text;
}

/**
 * Rewrites the query so each term expression binds its value: `e` becomes `__semamesh_vN__ = e`,
 * plus `__semamesh_vN__ != false` when there are several expressions (a false term then makes the
 * query undefined, as in opa; a lone `false` query is defined with value false, as in opa, unless
 * it has variables: resultItems drops those rows). `outputCall` tells calls with an output argument
 * (`replace(s, "a", "b", x)`, see eval-arity.ts) apart: opa reports them as `true`, so they stay.
 */
export function rewriteQuery(
  query: string,
  outputCall: (text: string) => boolean = () => false,
): { query: string; exprs: QueryExpr[]; iterVars: string[] } {
  const named = nameIterations(query);
  // Texts and positions from the query as written; the rewrite works on the named one.
  const exprs = splitQuery(query);
  const namedExprs = splitQuery(named.query);
  const parts = namedExprs.map((e, i) => {
    const top = topLevel(e.text);
    // `t with input as v`: the modifiers stay on the expression that binds t's value.
    const w = WITH.exec(top);
    const at = w ? w.index : e.text.length;
    if (OPERATOR.test(top.slice(0, at)) || KEYWORD.test(e.text)) return e.text;
    if (outputCall(withoutModifiers((exprs[i] as QueryExpr).text))) return e.text;
    const valueVar = `__semamesh_v${i}__`;
    (exprs[i] as QueryExpr).valueVar = valueVar;
    const bind = `${valueVar} = (${e.text.slice(0, at).trim()})${e.text.slice(at)}`;
    return exprs.length > 1 ? `${bind}; ${valueVar} != false` : bind;
  });
  return { query: parts.join('; '), exprs, iterVars: named.iterVars };
}

type Row = Record<string, unknown>;

interface ResultItem {
  expressions: { value: unknown; text: string; location: { row: number; col: number } }[];
  bindings?: Row;
}

/**
 * Rows of our engine → opa's result items (expressions, then user bindings without our variables),
 * in opa's order; a lone term with variables whose value is false is undefined there, as in opa.
 */
export function resultItems(exprs: QueryExpr[], rows: Row[], iterVars: string[] = []): ResultItem[] {
  const lone = exprs.length === 1 ? exprs[0]?.valueVar : undefined;
  const kept = lone ? rows.filter((r) => !(r[lone] === false && Object.keys(r).length > 1)) : rows;
  return orderRows(kept, iterVars).map((row) => {
    const bindings: Row = {};
    for (const [k, v] of Object.entries(row)) if (!k.startsWith('__semamesh_')) bindings[k] = v;
    const item: ResultItem = {
      expressions: exprs.map((e) => ({
        value: e.valueVar ? row[e.valueVar] : true,
        text: e.text,
        location: { row: e.row, col: e.col },
      })),
    };
    if (Object.keys(bindings).length > 0) item.bindings = bindings;
    return item;
  });
}

/** Go's JSON encoder (opa's) escapes `<`, `>`, `&`, U+2028 and U+2029; they occur only in strings. */
const GO_ESCAPED = /[<>&\u2028\u2029]/g;
const goEscape = (text: string) =>
  text.replace(GO_ESCAPED, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const json = (v: unknown) => goEscape(JSON.stringify(v, null, 2));
const compact = (v: unknown) => goEscape(JSON.stringify(v));

/** Raw: strings as they are, anything else compact JSON. */
const raw = (v: unknown) => (typeof v === 'string' ? v : compact(v));

/** A box-drawn table like opa's pretty output for results with bindings or several expressions. */
function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)) + 2);
  const line = (l: string, m: string, r: string) => `${l}${widths.map((w) => '─'.repeat(w)).join(m)}${r}`;
  const center = (h: string, w: number) => {
    const left = Math.floor((w - h.length) / 2);
    return `${' '.repeat(left)}${h}${' '.repeat(w - h.length - left)}`;
  };
  const cells = (r: string[]) => `│${r.map((c, i) => ` ${c.padEnd(widths[i] - 2)} `).join('│')}│`;
  return [
    line('┌', '┬', '┐'),
    `│${headers.map((h, i) => center(h, widths[i])).join('│')}│`,
    line('├', '┼', '┤'),
    ...rows.map(cells),
    line('└', '┴', '┘'),
  ].join('\n');
}

/**
 * As opa's pretty printer: a lone row without bindings prints its value (the first one when all
 * are booleans); otherwise a table of the expressions whose value in the first row is not a
 * boolean (all of them when it has no bindings), then the first row's variables, sorted.
 */
function pretty(items: ResultItem[], exprs: QueryExpr[]): string {
  if (items.length === 0) return 'undefined';
  const first = items[0] as ResultItem;
  const allBoolean = first.expressions.every((e) => typeof e.value === 'boolean');
  if (items.length === 1 && !first.bindings && (first.expressions.length === 1 || allBoolean))
    return json(first.expressions[0]?.value);
  const vars = Object.keys(first.bindings ?? {}).sort();
  const exprCols = first.expressions.flatMap((e, i) =>
    typeof e.value !== 'boolean' || !first.bindings ? [i] : [],
  );
  const headers = [...exprCols.map((i) => exprs[i]?.text ?? ''), ...vars];
  const rows = items.map((r) => [
    ...exprCols.map((i) => compact(r.expressions[i]?.value)),
    ...vars.map((v) => compact(r.bindings?.[v])),
  ]);
  return table(headers, rows);
}

export const FORMATS = ['json', 'values', 'bindings', 'pretty', 'raw'] as const;
export type EvalFormat = (typeof FORMATS)[number];

/** The text opa eval prints for the result (empty when a format prints nothing for undefined). */
export function formatResult(format: EvalFormat, exprs: QueryExpr[], items: ResultItem[]): string {
  switch (format) {
    case 'json':
      return `${json(items.length ? { result: items } : {})}\n`;
    case 'values':
      return items.map((r) => `${json(r.expressions.map((e) => e.value))}\n`).join('');
    case 'bindings':
      return items.map((r) => `${json(r.bindings ?? {})}\n`).join('');
    case 'raw':
      return items.map((r) => `${r.expressions.map((e) => raw(e.value)).join(' ')}\n`).join('');
    case 'pretty':
      return `${pretty(items, exprs)}\n`;
  }
}
