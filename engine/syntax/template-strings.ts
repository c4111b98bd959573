// Template strings `$"a {x} b"` and `` $`a {x} b` `` lowered to builtins we already have, with OPA's
// semantics (internal.template_string): each `{expr}` renders its single value (strings as they are,
// other values as Rego prints them, like sprintf's %v) or `<undefined>` when the expression has none.
// A part has at most one value: the compiler (compile/safety.ts) rejects parts whose vars are not
// bound outside them ("var i is undeclared") and calls to relation builtins, exactly OPA's
// compile-time checks, which leave no Rego that gives a part two values (OPA's runtime
// "template-strings must not produce multiple outputs" guards custom relation builtins only).
import {
  type Expr,
  type Location,
  numberTerm,
  operatorName,
  operatorRef,
  refTerm,
  stringTerm,
  type Term,
} from './ast.js';

/** A part of a template string: literal text, or an expression to render. */
export type TemplatePart = { text: string; loc: Location } | { expr: Expr; loc: Location };

/** The reason an expression cannot be a template-string expression, in OPA's words. */
export function templateExprError(expr: Expr): string | undefined {
  if (expr.negated) return "unexpected negation ('not') in template-string expression";
  const t = expr.terms;
  if (!Array.isArray(t)) {
    if (t.type === 'every') return "unexpected 'every' in template-string expression";
    if (t.type === 'some') return "unexpected 'some' in template-string expression";
    return undefined;
  }
  const op = t[0]?.type === 'ref' && t[0].value.length === 1 ? t[0].value[0] : undefined;
  if (op?.type === 'var' && op.value === 'eq')
    return "unexpected unification ('=') in template-string expression";
  if (op?.type === 'var' && op.value === 'assign')
    return "unexpected assignment (':=') in template-string expression";
  return undefined;
}

/**
 * The term a template string stands for: its text when every part is constant, else
 * `concat("", [part...])` where an expression part `e` is
 * `array.concat([$t | $t = sprintf("%v", [e])], ["<undefined>"])[0]`; `fresh` names `$t`.
 */
export function templateTerm(parts: TemplatePart[], loc: Location, fresh: () => string): Term {
  const pieces: Term[] = [];
  let text = '';
  let constant = true;
  for (const part of parts) {
    const literal = 'text' in part ? part.text : literalText(part.expr);
    if (literal !== undefined) {
      text += literal;
      pieces.push(stringTerm(literal, part.loc));
      continue;
    }
    constant = false;
    if ('expr' in part) pieces.push(renderExpr(part.expr, part.loc, fresh()));
  }
  if (constant) return stringTerm(text, loc);
  const call: Term = {
    type: 'call',
    value: [operatorRef('concat', loc), stringTerm('', loc), { type: 'array', value: pieces, loc }],
    loc,
  };
  return call;
}

/** The text of a scalar literal written as the whole expression (`{42}`, `{"a"}`), as OPA keeps it. */
function literalText(expr: Expr): string | undefined {
  const t = expr.terms;
  if (Array.isArray(t) || expr.with.length > 0) return undefined;
  switch (t.type) {
    case 'string':
      return t.value;
    case 'number':
      return t.value;
    case 'boolean':
      return String(t.value);
    case 'null':
      return 'null';
  }
  return undefined;
}

function renderExpr(expr: Expr, loc: Location, name: string): Term {
  const t = expr.terms as Term | Term[];
  const value: Term = Array.isArray(t) ? { type: 'call', value: t, loc } : t;
  const v: Term = { type: 'var', value: name, loc };
  const sprintf: Term = {
    type: 'call',
    value: [operatorRef('sprintf', loc), stringTerm('%v', loc), { type: 'array', value: [value], loc }],
    loc,
  };
  const capture: Expr = {
    terms: [operatorRef('eq', loc), v, sprintf],
    negated: false,
    with: expr.with,
    index: 0,
    loc: expr.loc ?? loc,
  };
  const call = Array.isArray(t) ? operatorName(t[0]) : undefined;
  const values: Term = { type: 'arraycomprehension', term: v, body: [capture], loc, template: { call } };
  const orUndefined: Term = {
    type: 'call',
    value: [
      operatorRef('array.concat', loc),
      values,
      { type: 'array', value: [stringTerm('<undefined>', loc)], loc },
    ],
    loc,
  };
  return refTerm([orUndefined, numberTerm('0', loc)], loc);
}
