// Output of `semamesh eval` in opa eval's formats (json, values, bindings, pretty, raw), and the
// query rewrite that lets our engine report a value per top-level expression as opa does.

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

/**
 * Rewrites the query so each term expression binds its value: `e` becomes `__semamesh_vN__ = e`,
 * plus `__semamesh_vN__ != false` when there are several expressions (a false term then makes the
 * query undefined, as in opa; a lone `false` query is defined with value false, as in opa).
 */
export function rewriteQuery(query: string): { query: string; exprs: QueryExpr[] } {
  const exprs = splitQuery(query);
  const parts = exprs.map((e, i) => {
    const top = topLevel(e.text);
    // `t with input as v`: the modifiers stay on the expression that binds t's value.
    const w = WITH.exec(top);
    const at = w ? w.index : e.text.length;
    if (OPERATOR.test(top.slice(0, at)) || KEYWORD.test(e.text)) return e.text;
    e.valueVar = `__semamesh_v${i}__`;
    const bind = `${e.valueVar} = (${e.text.slice(0, at).trim()})${e.text.slice(at)}`;
    return exprs.length > 1 ? `${bind}; ${e.valueVar} != false` : bind;
  });
  return { query: parts.join('; '), exprs };
}

type Row = Record<string, unknown>;

interface ResultItem {
  expressions: { value: unknown; text: string; location: { row: number; col: number } }[];
  bindings?: Row;
}

/** Rows of our engine → opa's result items (expressions, then user bindings without our variables). */
export function resultItems(exprs: QueryExpr[], rows: Row[]): ResultItem[] {
  return rows.map((row) => {
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

const json = (v: unknown) => JSON.stringify(v, null, 2);

/** Raw: strings as they are, anything else compact JSON. */
const raw = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

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

function pretty(items: ResultItem[], exprs: QueryExpr[]): string {
  if (items.length === 0) return 'undefined';
  const first = items[0];
  if (items.length === 1 && first.expressions.length === 1 && !first.bindings)
    return json(first.expressions[0].value);
  const termCols = exprs.flatMap((e, i) => (e.valueVar ? [i] : []));
  const vars = [...new Set(items.flatMap((r) => Object.keys(r.bindings ?? {})))].sort();
  const headers = [...termCols.map((i) => exprs[i].text), ...vars];
  if (headers.length === 0) return 'true';
  const rows = items.map((r) => [
    ...termCols.map((i) => JSON.stringify(r.expressions[i].value)),
    ...vars.map((v) => JSON.stringify(r.bindings?.[v])),
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
