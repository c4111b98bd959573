// Prints the AST back to Rego v1 source: canonical, tab-indented, with the fewest parentheses that
// keep `parse(print(x))` equal to `x` (locations and ordinary comments aside).
import { stringify as stringifyYaml } from 'yaml';
import type { Annotations, Body, Expr, Head, Import, Module, RefTerm, Rule, Term } from './ast.js';
import { isKeyword } from './tokens.js';

/** Operator name → [infix spelling, precedence]. Precedence as the parser's: higher binds tighter. */
const INFIX: Record<string, readonly [string, number]> = {
  equal: ['==', 2],
  neq: ['!=', 2],
  lt: ['<', 2],
  gt: ['>', 2],
  lte: ['<=', 2],
  gte: ['>=', 2],
  or: ['|', 3],
  and: ['&', 4],
  plus: ['+', 5],
  minus: ['-', 5],
  mul: ['*', 6],
  div: ['/', 6],
  rem: ['%', 6],
};
const MEMBER_PREC = 1;
const ATOM = 10;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Where a term is printed; decides which infix calls need parentheses. */
enum Ctx {
  /** Operand of an infix operator or anywhere precedence alone decides. */
  Plain,
  /** Array/set element, object key/value: `a | b` there would read as a comprehension. */
  Item,
  /** Head of a comprehension: only a plain term may precede the `|`. */
  ComprHead,
}

function opName(t: Term): string | undefined {
  if (t.type !== 'ref' || t.value.length === 0) return undefined;
  const [head, ...rest] = t.value;
  if (head.type !== 'var') return undefined;
  let s = head.value;
  for (const r of rest) {
    if (r.type !== 'string') return undefined;
    s += `.${r.value}`;
  }
  return s;
}

/** A call's infix form, if printed infix: [spelling, precedence]. */
function infixOf(call: Term[]): readonly [string, number] | undefined {
  const name = opName(call[0]);
  if (name === undefined) return undefined;
  if (name === 'internal.member_2' && call.length === 3) return ['in', MEMBER_PREC];
  if (name === 'internal.member_3' && call.length === 4) return ['in', 0];
  const op = INFIX[name];
  return op && call.length === 3 ? op : undefined;
}

/** Prints a call given as operator + operands, infix where it has an infix form. */
function printCall(call: Term[], minPrec: number, ctx: Ctx): string {
  const infix = infixOf(call);
  if (infix === undefined) return `${printRefLike(call[0])}(${call.slice(1).map(item0).join(', ')})`;
  const [sym, prec] = infix;
  let s: string;
  if (prec === 0) {
    s = `${term(call[1], 2)}, ${term(call[2], 2)} in ${term(call[3], 2)}`;
  } else if (prec === MEMBER_PREC) {
    s = `${term(call[1], MEMBER_PREC)} in ${term(call[2], 2)}`;
  } else {
    s = `${term(call[1], prec)} ${sym} ${term(call[2], prec + 1)}`;
  }
  const needParens =
    prec < minPrec || ctx === Ctx.ComprHead || (ctx === Ctx.Item && (prec === 0 || orOnLeft(call)));
  return needParens ? `(${s})` : s;
}

/**
 * Whether a `|` call sits on the left spine of an infix call. In an item, `a | ...` right after the
 * first atom would read as a comprehension (`{k: a | b < c}`), so such items get parentheses.
 */
function orOnLeft(call: Term[]): boolean {
  for (let node: Term[] | undefined = call; node; ) {
    const infix = infixOf(node);
    if (infix === undefined) return false;
    if (infix[0] === '|') return true;
    const left: Term = node[1];
    node = left.type === 'call' ? left.value : undefined;
  }
  return false;
}

/** An argument or collection element. */
const item0 = (t: Term): string => term(t, 0, Ctx.Item);

function printRefLike(t: Term): string {
  return t.type === 'ref' ? printRef(t) : term(t, ATOM);
}

/** Prints a ref: dotted segments where they are identifiers, brackets otherwise. */
export function printRef(ref: RefTerm): string {
  const [head, ...rest] = ref.value;
  if (head === undefined) return '';
  let s = head.type === 'var' ? head.value : term(head, ATOM);
  for (const seg of rest) {
    s += seg.type === 'string' && IDENT.test(seg.value) ? `.${seg.value}` : `[${term(seg, 0)}]`;
  }
  return s;
}

function printString(s: string): string {
  return JSON.stringify(s);
}

/** Prints a term; `minPrec` is the loosest operator allowed without parentheses. */
function term(t: Term, minPrec: number, ctx: Ctx = Ctx.Plain): string {
  switch (t.type) {
    case 'null':
      return 'null';
    case 'boolean':
      return t.value ? 'true' : 'false';
    case 'number':
      return t.value;
    case 'string':
      return printString(t.value);
    case 'var':
      return t.value;
    case 'ref':
      return printRef(t);
    case 'array':
      return `[${t.value.map(item0).join(', ')}]`;
    case 'set':
      return t.value.length === 0 ? 'set()' : `{${t.value.map(item0).join(', ')}}`;
    case 'object':
      return `{${t.value.map(([k, v]) => `${item0(k)}: ${item0(v)}`).join(', ')}}`;
    case 'arraycomprehension':
      return `[${term(t.term, 0, Ctx.ComprHead)} | ${inlineBody(t.body)}]`;
    case 'setcomprehension':
      return `{${term(t.term, 0, Ctx.ComprHead)} | ${inlineBody(t.body)}}`;
    case 'objectcomprehension':
      return `{${item0(t.key)}: ${term(t.value, 0, Ctx.ComprHead)} | ${inlineBody(t.body)}}`;
    case 'call':
      return printCall(t.value, minPrec, ctx);
  }
}

/** Collections longer than this (on one line) are printed one element per line. */
const WRAP = 80;

/**
 * Prints a term that starts a line's value (rule value, `:=`/`=` operand): like `term`, but long
 * arrays, sets and objects are broken into one element per line, with trailing commas.
 */
function wrapped(t: Term, indent: string, ctx: Ctx = Ctx.Plain): string {
  const flat = term(t, 0, ctx);
  if (flat.length <= WRAP) return flat;
  const inner = `${indent}\t`;
  const lines = (items: string[]): string => items.map((x) => `${inner}${x},`).join('\n');
  switch (t.type) {
    case 'array':
      if (t.value.length > 0)
        return `[\n${lines(t.value.map((x) => wrapped(x, inner, Ctx.Item)))}\n${indent}]`;
      break;
    case 'set':
      if (t.value.length > 0)
        return `{\n${lines(t.value.map((x) => wrapped(x, inner, Ctx.Item)))}\n${indent}}`;
      break;
    case 'object':
      if (t.value.length > 0) {
        const pairs = t.value.map(([k, v]) => `${item0(k)}: ${wrapped(v, inner, Ctx.Item)}`);
        return `{\n${lines(pairs)}\n${indent}}`;
      }
      break;
  }
  return flat;
}

/** Prints a term as Rego source. */
export function printTerm(t: Term): string {
  return term(t, 0);
}

function inlineBody(body: Body): string {
  return body.map((e) => printExprAt(e, null)).join('; ');
}

/** Prints one expression; `indent` is the block indentation, or null to print nested blocks on one line. */
function printExprAt(e: Expr, indent: string | null): string {
  let s = e.negated ? 'not ' : '';
  const terms = e.terms;
  if (Array.isArray(terms)) {
    const name = opName(terms[0]);
    if ((name === 'eq' || name === 'assign') && terms.length === 3) {
      const rhs = indent === null ? term(terms[2], 0) : wrapped(terms[2], indent);
      s += `${term(terms[1], 0)} ${name === 'eq' ? '=' : ':='} ${rhs}`;
    } else {
      const infix = infixOf(terms);
      // `k, v in xs` needs no parentheses at the top of an expression.
      s += infix?.[1] === 0 ? printCall(terms, -1, Ctx.Plain) : printCall(terms, 0, Ctx.Plain);
    }
  } else if (terms.type === 'some') {
    const [first] = terms.symbols;
    if (terms.symbols.length === 1 && first.type === 'call')
      s += `some ${printCall(first.value, -1, Ctx.Plain)}`;
    else s += `some ${terms.symbols.map((x) => term(x, 0)).join(', ')}`;
  } else if (terms.type === 'every') {
    const vars = terms.key ? `${terms.key.value}, ${terms.value.value}` : terms.value.value;
    s += `every ${vars} in ${term(terms.domain, 2)} ${block(terms.body, indent)}`;
  } else {
    s += term(terms, 0);
  }
  for (const w of e.with) s += ` with ${printRef(w.target)} as ${term(w.value, 0)}`;
  return s;
}

/** `{ ... }` with one expression per line at `indent` + tab, or `{ a; b }` inline. */
function block(body: Body, indent: string | null): string {
  if (indent === null) return `{ ${inlineBody(body)} }`;
  const inner = `${indent}\t`;
  return `{\n${body.map((e) => inner + printExprAt(e, inner)).join('\n')}\n${indent}}`;
}

/** Prints an expression as Rego source (nested blocks on several lines, unindented). */
export function printExpr(e: Expr): string {
  return printExprAt(e, '');
}

/** Prints a body as newline-separated expressions. */
export function printBody(body: Body): string {
  return body.map((e) => printExprAt(e, '')).join('\n');
}

/** A body OPA (and our parser) generates for rules written without one. */
function isGeneratedBody(body: Body): boolean {
  return body.length === 1 && body[0].generated === true;
}

function printHeadRef(head: Head): string {
  return printRef({ type: 'ref', value: head.ref });
}

function isTrue(t: Term | undefined): boolean {
  return t?.type === 'boolean' && t.value === true;
}

/** ` := v` / ` = v`, omitted for an implicit `true` when a body follows. */
function printValue(head: Head, hasBody: boolean): string {
  if (head.value === undefined) return '';
  if (hasBody && !head.assign && isTrue(head.value)) return '';
  return ` ${head.assign ? ':=' : '='} ${wrapped(head.value, '')}`;
}

function printRule(rule: Rule): string {
  const head = rule.head;
  if (rule.default) return `default ${printHeadRef(head)}${printArgs(head)}${printValue(head, false)}`;
  let s = printHeadRef(head) + printArgs(head);
  const hasBody = !isGeneratedBody(rule.body);
  if (head.key !== undefined && head.value === undefined) s += ` contains ${term(head.key, 0)}`;
  else s += printValue(head, hasBody);
  if (hasBody) s += ` if ${block(rule.body, '')}`;
  for (let r = rule.else; r; r = r.else) {
    const elseBody = !isGeneratedBody(r.body);
    s += ` else${printValue(r.head, elseBody)}`;
    if (elseBody) s += ` if ${block(r.body, '')}`;
  }
  return s;
}

function printArgs(head: Head): string {
  return head.args ? `(${head.args.map(item0).join(', ')})` : '';
}

function printImport(imp: Import): string {
  return `import ${printRef(imp.path)}${imp.alias !== undefined ? ` as ${imp.alias}` : ''}`;
}

function printAnnotations(a: Annotations): string {
  const yaml = stringifyYaml(a.raw).trimEnd();
  return ['# METADATA', ...yaml.split('\n').map((l) => `# ${l}`)].join('\n');
}

function printPackagePath(path: Term[]): string {
  const [, first, ...rest] = path;
  if (first?.type !== 'string') return '';
  return printRef({ type: 'ref', value: [{ type: 'var', value: first.value }, ...rest] });
}

/** Prints a module as Rego v1 source. METADATA blocks are printed; other comments are not kept. */
export function printModule(m: Module): string {
  const out: string[] = [];
  for (const a of m.package.annotations ?? []) out.push(printAnnotations(a));
  out.push(`package ${printPackagePath(m.package.path)}`, '');
  if (m.imports.length > 0) out.push(...m.imports.map(printImport), '');
  for (const r of m.rules) {
    if (r.annotations) out.push(printAnnotations(r.annotations));
    out.push(printRule(r), '');
  }
  return out.join('\n');
}

/** Whether a string can be printed as a dotted ref segment. Keywords are allowed after a dot. */
export function isIdentifier(s: string): boolean {
  return IDENT.test(s) && !isKeyword(s);
}
