// Rule-level helpers of the module parser: OPA's Rego v1 keyword checks, default-rule validation,
// generated bodies and the messages for statements that cannot be rules.
import type { Body, Expr, Head, Rule, Term } from './ast.js';
import { printRef } from './printer.js';
import { isKeyword } from './tokens.js';

type Report = (loc: { row: number; col: number }, message: string) => void;

/** Facts about how a rule was written that the v1 checks need but the AST does not keep. */
export interface RuleFlags {
  hasIf: boolean;
  usesContains: boolean;
  generatedBody: boolean;
  generatedValue: boolean;
}

const INFIX_NAMES = new Set([
  'equal',
  'neq',
  'lt',
  'gt',
  'lte',
  'gte',
  'or',
  'and',
  'plus',
  'minus',
  'mul',
  'div',
  'rem',
]);

/** OPA's restrictions on default rules: a constant value and plain, distinct variable arguments. */
export function validateDefault(rule: Rule, report: Report): boolean {
  const loc = rule.loc ?? { row: 1, col: 1 };
  const value = rule.head.value;
  if (value === undefined) {
    report(loc, 'illegal default rule (must have a value)');
    return false;
  }
  let valid = true;
  walkOutsideClosures(value, (t) => {
    if (t.type === 'ref' || t.type === 'var' || t.type === 'call') {
      report(loc, `illegal default rule (value cannot contain ${t.type})`);
      valid = false;
      return false;
    }
    return true;
  });
  const seen = new Set<string>();
  for (const arg of rule.head.args ?? []) {
    if (arg.type !== 'var') {
      report(loc, `illegal default rule (arguments cannot contain ${arg.type})`);
      valid = false;
    } else if (seen.has(arg.value) && arg.value !== '_') {
      report(loc, `illegal default rule (arguments cannot be repeated ${arg.value})`);
      valid = false;
    } else seen.add(arg.value);
  }
  return valid;
}

/** OPA's Rego v1 rule checks (`if`/`contains` required, no keyword names, no empty rules). */
export function checkV1(rule: Rule, flags: Map<Rule, RuleFlags>, report: Report): void {
  for (let r: Rule | undefined = rule; r; r = r.else) {
    const f = flags.get(r);
    if (!f) continue;
    const loc = r.loc ?? { row: 1, col: 1 };
    const what = r.head.args ? 'function' : 'rule';
    if (r.head.ref.length < 2 && isKeyword(r.head.name))
      report(loc, `${r.head.name} keyword cannot be used for rule name`);
    if (f.generatedBody && f.generatedValue) {
      report(loc, `${what} must have value assignment and/or body declaration`);
    }
    if (!f.generatedBody && !f.hasIf && !r.default)
      report(loc, `\`if\` keyword is required before ${what} body`);
    if (r.head.key !== undefined && r.head.value === undefined && !f.usesContains) {
      report(loc, '`contains` keyword is required for partial set rules');
    }
  }
}

/** The body OPA gives rules written without one: a single generated `true`. */
export function trueBody(loc: Rule['loc']): Body {
  const expr: Expr = {
    terms: { type: 'boolean', value: true, loc },
    negated: false,
    with: [],
    index: 0,
    generated: true,
  };
  if (loc) expr.loc = loc;
  return [expr];
}

/**
 * Sets `key` on single-value ref heads whose last segment is not ground (`p[k] := v`, `a.b[x] := y`);
 * ground ref heads (`a.b.c := 1`) are complete rules with a dotted name.
 */
export function setKey(head: Head): void {
  if (head.contains || head.key !== undefined || head.args || head.ref.length < 2) return;
  const last = head.ref[head.ref.length - 1];
  if (!isGround([last])) head.key = last;
}

/** Whether the terms contain no variables (refs and calls count as variables through their heads). */
export function isGround(terms: Term[]): boolean {
  let ground = true;
  const visit = (t: Term): void => {
    if (!ground) return;
    switch (t.type) {
      case 'var':
        ground = false;
        return;
      case 'ref':
      case 'array':
      case 'set':
      case 'call':
        t.value.forEach(visit);
        return;
      case 'object':
        for (const [k, v] of t.value) {
          visit(k);
          visit(v);
        }
        return;
      case 'arraycomprehension':
      case 'setcomprehension':
      case 'objectcomprehension':
        ground = false;
        return;
    }
  };
  terms.forEach(visit);
  return ground;
}

/** Visits terms, not descending into comprehensions; `f` returns false to stop descending. */
function walkOutsideClosures(t: Term, f: (t: Term) => boolean): void {
  if (!f(t)) return;
  switch (t.type) {
    case 'ref':
    case 'array':
    case 'set':
    case 'call':
      for (const x of t.value) walkOutsideClosures(x, f);
      return;
    case 'object':
      for (const [k, v] of t.value) {
        walkOutsideClosures(k, f);
        walkOutsideClosures(v, f);
      }
  }
}

/** Why an expression statement cannot be a rule, in OPA's words. */
export function nonRuleReason(expr: Expr): string {
  if (expr.with.length > 0) return 'expressions using with keyword cannot be used for rule head';
  if (expr.negated) return 'negated expressions cannot be used for rule head';
  const terms = expr.terms;
  if (!Array.isArray(terms)) {
    if (terms.type === 'some') return "'some' declarations cannot be used for rule head";
    if (terms.type === 'every') return 'expression cannot be used for rule head';
    if (terms.type === 'ref' && terms.value[0]?.type !== 'var')
      return `invalid rule head: ${printRef(terms)}`;
    return `${terms.type} cannot be used for rule name`;
  }
  const op = terms[0];
  const name =
    op.type === 'ref' && op.value.length === 1 && op.value[0].type === 'var' ? op.value[0].value : '';
  if (name === 'eq' || name === 'assign') return `${terms[1].type} cannot be used for rule name`;
  return INFIX_NAMES.has(name) || name === 'internal'
    ? 'rule name conflicts with built-in function'
    : 'expression cannot be used for rule head';
}

/** A deep copy of plain AST data (much cheaper than structuredClone for the small trees of heads). */
export function cloneAst<T>(x: T): T {
  if (Array.isArray(x)) return x.map(cloneAst) as T;
  if (x === null || typeof x !== 'object') return x;
  const out: Record<string, unknown> = {};
  for (const k in x) out[k] = cloneAst((x as Record<string, unknown>)[k]);
  return out as T;
}
