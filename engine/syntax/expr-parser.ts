// Parser for Rego expressions and bodies: infix operators with OPA's precedence (`in` < comparison
// < `|` < `&` < `+ -` < `* / %`; `=`/`:=` only at the top of an expression), `some`, `every`, `not`
// and `with`; plus the standalone query and term entry points.
import {
  type Body,
  type CallTerm,
  type Every,
  type Expr,
  operatorRef,
  type RefTerm,
  refTerm,
  type SomeDecl,
  type Term,
  type VarTerm,
  type With,
} from './ast.js';
import { TermParser } from './term-parser.js';
import { T, TOKEN_NAMES, type Tok } from './tokens.js';

/** Binary operator tokens → [precedence, OPA operator name]. Higher binds tighter. */
const BINARY: Partial<Record<Tok, readonly [number, string]>> = {
  [T.Equal]: [1, 'equal'],
  [T.Neq]: [1, 'neq'],
  [T.Lt]: [1, 'lt'],
  [T.Gt]: [1, 'gt'],
  [T.Lte]: [1, 'lte'],
  [T.Gte]: [1, 'gte'],
  [T.Or]: [2, 'or'],
  [T.And]: [3, 'and'],
  [T.Add]: [4, 'plus'],
  [T.Sub]: [4, 'minus'],
  [T.Mul]: [5, 'mul'],
  [T.Quo]: [5, 'div'],
  [T.Rem]: [5, 'rem'],
};

export const MEMBER_2 = 'internal.member_2';
export const MEMBER_3 = 'internal.member_3';

export class ExprParser extends TermParser {
  // ------------------------------------------------------------------------------------------
  // Bodies and literals

  /** `{ ... }` contents up to (and consuming) `end`; newline- or `;`-separated literals. */
  protected parseBody(end: Tok): Body | undefined {
    const body = this.parseQuery(end);
    if (body === undefined) return undefined;
    this.next();
    return body;
  }

  /** Literals until `end` (not consumed). */
  protected parseQuery(end: Tok): Body | undefined {
    const body: Body = [];
    if (this.kind() === end) {
      this.error(this.tok, 'found empty body');
      return undefined;
    }
    for (;;) {
      const expr = this.parseLiteral();
      if (expr === undefined) return undefined;
      expr.index = body.length;
      body.push(expr);
      if (this.kind() === T.Semicolon) {
        this.next();
        continue;
      }
      if (this.kind() === end) return body;
      if (!this.tok.nl) {
        if (this.diags.length === 0) this.illegal(`expected \\n or ; or ${TOKEN_NAMES[end]}`);
        return undefined;
      }
    }
  }

  protected parseLiteral(): Expr | undefined {
    const start = this.loc();
    let negated = false;
    this.keywordRef();
    if (this.kind() === T.Not) {
      this.next();
      negated = true;
      this.keywordRef();
    }
    let expr: Expr | undefined;
    if (this.kind() === T.Some || this.kind() === T.Every) {
      if (negated) {
        this.illegal(`illegal negation of '${TOKEN_NAMES[this.kind()]}'`);
        return undefined;
      }
      expr = this.kind() === T.Some ? this.parseSome() : this.parseEvery();
    } else {
      const terms = this.parseExprTerms();
      if (terms === undefined) return undefined;
      expr = { terms, negated, with: [], index: 0 };
    }
    if (expr === undefined) return undefined;
    if (this.kind() === T.With) {
      const withs = this.parseWith();
      if (withs === undefined) return undefined;
      expr.with = withs;
    }
    expr.loc = this.span(start);
    return expr;
  }

  /** An expression's terms: a single term, or operator + operands for calls and `=`/`:=`. */
  protected parseExprTerms(): Term | Term[] | undefined {
    const lhs = this.parseTermInfix(true);
    if (lhs === undefined) return undefined;
    if (this.kind() === T.Assign || this.kind() === T.Unify) {
      const op = this.opTerm(this.kind() === T.Assign ? 'assign' : 'eq');
      const rhs = this.parseTermInfix(true);
      if (rhs === undefined) return undefined;
      return [op, lhs, rhs];
    }
    // A call at the top of an expression becomes the expression itself (OPA evaluates calls as exprs).
    return lhs.type === 'call' ? lhs.value : lhs;
  }

  protected parseWith(): With[] | undefined {
    const withs: With[] = [];
    while (this.kind() === T.With) {
      const start = this.loc();
      this.next();
      if (this.kind() !== T.Ident) {
        this.illegal('expected ident');
        return undefined;
      }
      const target = this.parseTerm();
      if (target === undefined) return undefined;
      if (target.type !== 'ref' && target.type !== 'var') this.illegal('expected with target path');
      if (this.kind() !== T.As) {
        this.illegal('expected as keyword');
        return undefined;
      }
      this.next();
      const value = this.parseTermInfix(true);
      if (value === undefined) return undefined;
      const ref = target.type === 'ref' ? target : refTerm([target], target.loc);
      withs.push({ target: ref, value, loc: this.span(start) });
    }
    return withs;
  }

  protected parseSome(): Expr | undefined {
    const start = this.loc();
    const m = this.mark();
    this.next();
    const term = this.parseTermInfix(true);
    if (term?.type === 'call') {
      const name = callName(term);
      if (name !== MEMBER_2 && name !== MEMBER_3) {
        this.illegal('expected `x in xs` or `x, y in xs` expression');
        return undefined;
      }
      const decl: SomeDecl = { type: 'some', symbols: [term], loc: this.span(start) };
      return { terms: decl, negated: false, with: [], index: 0 };
    }
    this.reset(m);
    const symbols: Term[] = [];
    for (;;) {
      this.next();
      if (this.kind() !== T.Ident) {
        this.illegal('expected var');
        return undefined;
      }
      symbols.push({ type: 'var', value: this.tok.lit, loc: this.loc() });
      this.next();
      if (this.kind() !== T.Comma) break;
    }
    const decl: SomeDecl = { type: 'some', symbols, loc: this.span(start) };
    return { terms: decl, negated: false, with: [], index: 0 };
  }

  protected parseEvery(): Expr | undefined {
    const start = this.loc();
    this.next();
    const term = this.parseTermInfix(true);
    if (term === undefined) return undefined;
    const name = term.type === 'call' ? callName(term) : undefined;
    if (term.type !== 'call' || (name !== MEMBER_2 && name !== MEMBER_3)) {
      this.illegal('expected `x[, y] in xs { ... }` expression');
      return undefined;
    }
    const args = term.value.slice(1);
    const [key, value, domain] = name === MEMBER_3 ? args : [undefined, args[0], args[1]];
    if (key !== undefined && key.type !== 'var') {
      this.illegal('expected key to be a variable');
      return undefined;
    }
    if (value.type !== 'var') {
      this.illegal('expected value to be a variable');
      return undefined;
    }
    if (this.kind() !== T.LBrace) {
      this.illegal('missing body');
      return undefined;
    }
    this.next();
    const body = this.parseBody(T.RBrace);
    if (body === undefined) return undefined;
    const every: Every = { type: 'every', value, domain, body, loc: this.span(start) };
    if (key !== undefined) every.key = key as VarTerm;
    return { terms: every, negated: false, with: [], index: 0 };
  }

  // ------------------------------------------------------------------------------------------
  // Infix terms

  protected opTerm(name: string): RefTerm {
    const loc = this.loc();
    this.next();
    return operatorRef(name, loc);
  }

  /**
   * `in` (lowest term-level operator) over comparison/arithmetic; with `keyVal`, also `k, v in xs`
   * (not allowed in lists, where the comma separates elements).
   */
  protected parseTermInfix(keyVal: boolean): Term | undefined {
    let lhs = this.parseBinary(1);
    if (lhs === undefined) return undefined;
    if (keyVal && this.kind() === T.Comma) {
      const m = this.mark();
      this.next();
      const mhs = this.parseBinary(1);
      if (mhs !== undefined && this.kind() === T.In) {
        const op = this.opTerm(MEMBER_3);
        const rhs = this.parseBinary(1);
        if (rhs !== undefined) lhs = this.call(op, [lhs, mhs, rhs], lhs);
        else this.reset(m);
      } else this.reset(m);
    }
    // `in.x` on the next line starts a new literal (a keyword ref), it is not `in` applied again.
    while (!this.keywordRef() && this.kind() === T.In) {
      const op = this.opTerm(MEMBER_2);
      const rhs = this.parseBinary(1);
      if (rhs === undefined) return undefined;
      lhs = this.call(op, [lhs, rhs], lhs);
    }
    return lhs;
  }

  /** Precedence climbing over the left-associative binary operators. */
  protected parseBinary(minPrec: number): Term | undefined {
    let lhs = this.parseTerm();
    if (lhs === undefined) return undefined;
    for (;;) {
      const op = BINARY[this.kind()];
      if (op === undefined || op[0] < minPrec) return lhs;
      const opRef = this.opTerm(op[1]);
      const rhs = this.parseBinary(op[0] + 1);
      if (rhs === undefined) return undefined;
      lhs = this.call(opRef, [lhs, rhs], lhs);
    }
  }

  private call(op: RefTerm, args: Term[], first: Term): CallTerm {
    const loc = first.loc ?? op.loc;
    return { type: 'call', value: [op, ...args], loc: loc && this.span(loc) };
  }
}

/** The dotted operator name of a call term, if its operator is a plain ref. */
export function callName(call: CallTerm): string | undefined {
  const op = call.value[0];
  if (op?.type !== 'ref') return undefined;
  const parts: string[] = [];
  for (const [i, t] of op.value.entries()) {
    if (i === 0 && t.type === 'var') parts.push(t.value);
    else if (i > 0 && t.type === 'string') parts.push(t.value);
    else return undefined;
  }
  return parts.join('.');
}

/** Parses standalone queries and terms (the `parseQuery`/`parseTerm` entry points). */
export class QueryParser extends ExprParser {
  /** A whole source as one query: literals separated by newlines or `;`. */
  query(): Body | undefined {
    const body = this.parseQuery(T.EOF);
    return this.diags.length === 0 ? body : undefined;
  }

  /** A whole source as exactly one term (an infix call such as `1 + 2` yields a call term). */
  term(): Term | undefined {
    const start = this.tok;
    const body = this.parseQuery(T.EOF);
    if (body === undefined || this.diags.length > 0) return undefined;
    const [expr] = body;
    const terms = expr.terms;
    const name = Array.isArray(terms) ? callName({ type: 'call', value: terms }) : undefined;
    if (body.length !== 1 || expr.negated || expr.with.length > 0 || name === 'eq' || name === 'assign') {
      this.error(start, 'expected exactly one term');
      return undefined;
    }
    if (Array.isArray(terms)) return { type: 'call', value: terms, loc: expr.loc };
    if (terms.type === 'some' || terms.type === 'every') {
      this.error(start, 'expected exactly one term');
      return undefined;
    }
    return terms;
  }
}
