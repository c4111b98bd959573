// strings.render_template: a subset of Go's text/template with missingkey=error — text, `{{.a.b}}`,
// variables, `if`/`else if`/`else`, `range` (with `$i, $v :=`), `with`, comparison and logic
// functions, `len`, `index`, `print`, trim markers, and Go's %v printing of the values.
import { fail, type Json, type JsonObject } from './args.js';
import { compareStrings, numberText } from './values.js';

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'out'; pipe: string }
  | { kind: 'set'; name: string; pipe: string }
  | { kind: 'if'; branches: { cond: string; body: Node[] }[]; otherwise: Node[] }
  | { kind: 'range'; pipe: string; keyVar?: string; valVar?: string; body: Node[]; otherwise: Node[] }
  | { kind: 'with'; pipe: string; body: Node[]; otherwise: Node[] };

/** Splits into text and action chunks, applying `{{-` / `-}}` whitespace trimming. */
function lex(src: string): { text?: string; action?: string }[] {
  const out: { text?: string; action?: string }[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push({ text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    const close = src.indexOf('}}', open + 2);
    if (close < 0) fail('unclosed action');
    let action = src.slice(open + 2, close);
    if (/^-\s/.test(action)) {
      text = text.replace(/\s+$/, '');
      action = action.slice(1);
    }
    i = close + 2;
    if (/\s-$/.test(action)) {
      action = action.slice(0, -1);
      const m = /^\s*/.exec(src.slice(i));
      i += m ? m[0].length : 0;
    }
    if (text) out.push({ text });
    action = action.trim();
    if (!action.startsWith('/*')) out.push({ action });
  }
  return out;
}

function parse(chunks: { text?: string; action?: string }[]): Node[] {
  let pos = 0;
  const block = (stops: RegExp): { nodes: Node[]; stop: string } => {
    const nodes: Node[] = [];
    while (pos < chunks.length) {
      const c = chunks[pos++];
      if (c.text !== undefined) {
        nodes.push({ kind: 'text', text: c.text });
        continue;
      }
      const a = c.action as string;
      if (stops.test(a)) return { nodes, stop: a };
      const ifMatch = /^if\s+(.+)$/s.exec(a);
      const blockMatch = /^(range|with)\s+(?:(\$\w*)\s*(?:,\s*(\$\w*))?\s*:=\s*)?(.+)$/s.exec(a);
      const setMatch = /^(\$\w*)\s*:?=\s*(.+)$/s.exec(a);
      if (ifMatch) {
        const branches = [{ cond: ifMatch[1], body: [] as Node[] }];
        let otherwise: Node[] = [];
        for (;;) {
          const r = block(/^(else( if .+)?|end)$/s);
          branches[branches.length - 1].body = r.nodes;
          if (r.stop === 'end') break;
          const elif = /^else if\s+(.+)$/s.exec(r.stop);
          if (elif) branches.push({ cond: elif[1], body: [] });
          else {
            otherwise = block(/^end$/).nodes;
            break;
          }
        }
        nodes.push({ kind: 'if', branches, otherwise });
      } else if (blockMatch) {
        const m = blockMatch;
        const body = block(/^(else|end)$/);
        const otherwise = body.stop === 'else' ? block(/^end$/).nodes : [];
        if (m[1] === 'with') nodes.push({ kind: 'with', pipe: m[4], body: body.nodes, otherwise });
        else {
          const [keyVar, valVar] = m[3] ? [m[2], m[3]] : [undefined, m[2]];
          nodes.push({ kind: 'range', pipe: m[4], keyVar, valVar, body: body.nodes, otherwise });
        }
      } else if (setMatch) {
        nodes.push({ kind: 'set', name: setMatch[1], pipe: setMatch[2] });
      } else if (/^(end|else)\b/.test(a)) {
        fail(`unexpected {{${a}}}`);
      } else {
        nodes.push({ kind: 'out', pipe: a });
      }
    }
    if (stops.source !== '$^') fail('unexpected end of template');
    return { nodes, stop: '' };
  };
  return block(/$^/).nodes;
}

type Scope = { dot: Json; vars: Map<string, Json> };

function truthy(v: Json | undefined): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** Go's %v for the values a template sees. */
export function goValue(v: Json | undefined): string {
  if (v === undefined || v === null) return '<no value>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberText(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  const keys = Object.keys(v).sort(compareStrings);
  return `map[${keys.map((k) => `${k}:${goValue(v[k])}`).join(' ')}]`;
}

/** A field chain; a missing map key is Go's zero value (printed `<no value>`), a field of it an error. */
function field(base: Json | undefined, path: string[]): Json {
  let cur = base;
  for (const key of path) {
    if (cur === undefined || cur === null || typeof cur !== 'object' || Array.isArray(cur))
      fail(`can't evaluate field ${key}`);
    cur = Object.hasOwn(cur, key) ? (cur as JsonObject)[key] : undefined;
  }
  return cur as Json;
}

const FUNCS: Record<string, (...a: Json[]) => Json> = {
  eq: (a, ...bs) => bs.some((b) => JSON.stringify(a) === JSON.stringify(b)),
  ne: (a, b) => JSON.stringify(a) !== JSON.stringify(b),
  lt: (a, b) => (a as number) < (b as number),
  le: (a, b) => (a as number) <= (b as number),
  gt: (a, b) => (a as number) > (b as number),
  ge: (a, b) => (a as number) >= (b as number),
  not: (a) => !truthy(a),
  and: (...xs) => xs.find((x) => !truthy(x)) ?? xs[xs.length - 1],
  or: (...xs) => xs.find((x) => truthy(x)) ?? xs[xs.length - 1],
  len: (a) =>
    typeof a === 'string' ? Buffer.byteLength(a) : Array.isArray(a) ? a.length : Object.keys(a ?? {}).length,
  index: (a, ...keys) => keys.reduce<Json>((cur, k) => field(cur, [String(k)]) ?? null, a),
  print: (...xs) => xs.map(goValue).join(''),
};

function tokens(expr: string): string[] {
  return expr.match(/"(?:[^"\\]|\\.)*"|`[^`]*`|\(|\)|[^\s()]+/g) ?? [];
}

function evalExpr(expr: string, scope: Scope): Json {
  const stages = expr.split(/\|(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((s) => s.trim());
  let piped: Json | undefined;
  for (const stage of stages) piped = evalCommand(tokens(stage), scope, piped);
  return piped as Json;
}

function evalCommand(toks: string[], scope: Scope, piped: Json | undefined): Json {
  const args: Json[] = [];
  const head = toks[0];
  const operand = (t: string): Json => {
    if (t === '.') return scope.dot;
    if (t.startsWith('.')) return field(scope.dot, t.slice(1).split('.'));
    if (t.startsWith('$')) {
      const [name, ...path] = t.split('.');
      if (!scope.vars.has(name)) fail(`undefined variable ${name}`);
      return field(scope.vars.get(name) as Json, path);
    }
    if (t.startsWith('"')) return JSON.parse(t) as string;
    if (t.startsWith('`')) return t.slice(1, -1);
    if (t === 'true' || t === 'false') return t === 'true';
    if (t === 'nil') return null;
    if (/^-?\d/.test(t)) return Number(t);
    return fail(`function "${t}" not defined`);
  };
  if (FUNCS[head]) {
    for (const t of toks.slice(1)) args.push(operand(t));
    if (piped !== undefined) args.push(piped);
    return FUNCS[head](...args);
  }
  if (toks.length !== 1) fail(`can't give argument to non-function ${head}`);
  return operand(head);
}

function exec(nodes: Node[], scope: Scope, out: string[]): void {
  for (const n of nodes) {
    switch (n.kind) {
      case 'text':
        out.push(n.text);
        break;
      case 'out':
        out.push(goValue(evalExpr(n.pipe, scope)));
        break;
      case 'set':
        scope.vars.set(n.name, evalExpr(n.pipe, scope));
        break;
      case 'if': {
        const hit = n.branches.find((b) => truthy(evalExpr(b.cond, scope)));
        exec(hit ? hit.body : n.otherwise, scope, out);
        break;
      }
      case 'with': {
        const v = evalExpr(n.pipe, scope);
        if (truthy(v)) exec(n.body, { dot: v, vars: scope.vars }, out);
        else exec(n.otherwise, scope, out);
        break;
      }
      case 'range': {
        const v = evalExpr(n.pipe, scope);
        const entries: [Json, Json][] = Array.isArray(v)
          ? v.map((x, i) => [i, x])
          : v !== null && typeof v === 'object'
            ? Object.keys(v)
                .sort(compareStrings)
                .map((k) => [k, v[k]])
            : typeof v === 'number'
              ? Array.from({ length: v }, (_, i) => [i, i])
              : fail(`range can't iterate over ${goValue(v)}`);
        if (entries.length === 0) exec(n.otherwise, scope, out);
        for (const [k, x] of entries) {
          const vars = new Map(scope.vars);
          if (n.keyVar) vars.set(n.keyVar, k);
          if (n.valVar) vars.set(n.valVar, x);
          exec(n.body, { dot: x, vars }, out);
        }
        break;
      }
    }
  }
}

export function renderTemplate(template: string, vars: JsonObject): string {
  const out: string[] = [];
  exec(parse(lex(template)), { dot: vars, vars: new Map([['$', vars]]) }, out);
  return out.join('');
}
