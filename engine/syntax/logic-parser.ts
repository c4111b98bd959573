// Rego's logical operators `a and b`, `a or b` (future keywords `and`/`or`) and negated bodies
// `not { ... }`, `not (a or b)` (future keyword `not`), parsed with OPA's grammar and precedence
// (`and` binds tighter than `or`, both left-associative, operands `{ body }`, `( group )`, `not x` or
// one expression) and lowered to closures the compiler already knows. An operand body B becomes
// `[true | B][0]`, marked first-only: defined iff B has a solution, evaluation of B stopping at its
// first one (OPA's topdown `evalLogicalOperand`; OPA's own wasm planner runs every solution), B's
// own variables local to it. `a and b` is `[true | A; B][0]` (B runs only when A holds);
// `a or b` is `[true | not [true | not A; not B][0]][0]` (B runs only when A fails).
import {
  type ArrayComprehension,
  type Body,
  booleanTerm,
  type Expr,
  type Location,
  numberTerm,
  refTerm,
  type Term,
} from './ast.js';
import { ExprParser } from './expr-parser.js';
import type { Mark } from './parser-base.js';
import { T } from './tokens.js';

/** One operand of `and`/`or`: a body, and whether it was written in braces (`{ ... }`). */
interface Operand {
  body: Body;
  explicit: boolean;
  loc: Location;
}

/** The result of trying to read `( ... )` as a logical group; `committed` false means "not a group". */
interface Group {
  committed: boolean;
  operand?: Operand;
}

export class LogicParser extends ExprParser {
  /** `and`/`or` are keywords in this module (after `import future.keywords[.and|.or]` or `rego.v2`). */
  private logical = false;
  /** `not` takes bodies and groups (after `import future.keywords[.not]` or `rego.v2`). */
  private notBodies = false;
  /** Expressions this parser built for `and`/`or`, to recognise `((a or b))` groups. */
  private readonly logicalExprs = new WeakSet<Expr>();

  /** Makes future keywords active for the rest of the module (the tokens after the import). */
  protected enableKeywords(keywords: readonly string[]): void {
    for (const kw of keywords) {
      if (kw === 'not') this.notBodies = true;
      const kind = kw === 'and' ? T.LogicalAnd : kw === 'or' ? T.LogicalOr : undefined;
      if (kind === undefined) continue;
      this.logical = true;
      for (let j = this.i; j < this.toks.length; j++) {
        const t = this.toks[j];
        if (t.k === T.Ident && t.lit === kw) t.k = kind;
      }
    }
  }

  protected override parseLiteral(): Expr | undefined {
    if (!this.logical && !this.notBodies) return super.parseLiteral();
    const start = this.loc();
    if (this.kind() === T.LBrace && this.logical) {
      const m = this.mark();
      this.next();
      const body = this.parseBody(T.RBrace);
      if (body !== undefined && this.atLogicalOp()) {
        return this.withTail(this.parseOrChain({ body, explicit: true, loc: start }), start);
      }
      this.reset(m);
    }
    if (this.kind() === T.LParen && this.logical) {
      const g = this.parseGroup(false);
      if (g.committed) return g.operand && this.foldTail(g.operand, start);
    }
    this.keywordRef();
    if (this.kind() === T.Not && this.notBodies) {
      const m = this.mark();
      this.next();
      if (this.kind() === T.LBrace) {
        const not = this.parseNotBody(start);
        return not && this.foldTail({ body: [not], explicit: false, loc: start }, start);
      }
      if (this.kind() === T.LParen) {
        const g = this.parseGroup(true);
        if (g.committed) {
          if (!g.operand) return undefined;
          const not = negate(g.operand.body, this.span(start));
          return this.foldTail({ body: [not], explicit: false, loc: start }, start);
        }
      }
      this.reset(m);
    }
    const parsed = super.parseLiteral();
    // With not-bodies, `not expr` negates the closure of `expr`: refs in its call arguments are
    // evaluated inside the negation (`not f(input.missing)` holds), unlike the plain `not`.
    const expr = parsed?.negated && this.notBodies ? notExpr(parsed) : parsed;
    if (expr === undefined || !this.atLogicalOp()) return expr;
    const terms = expr.terms;
    if (!Array.isArray(terms) && (terms.type === 'some' || terms.type === 'every')) return expr;
    if (expr.with.length > 0) {
      const w = expr.with[0].loc ?? start;
      this.error(w, `\`with\` modifier is not allowed on operand of \`${this.tok.lit}\``);
      return undefined;
    }
    if (!expr.negated && this.src.charCodeAt(start.offset) === 0x7b) {
      if (!Array.isArray(terms) && terms.type === 'object' && terms.value.length === 0)
        this.error(start, 'found empty body');
      else
        this.error(
          start,
          `operand of \`${this.tok.lit}\` cannot begin with \`{\` unless the braces hold a body`,
        );
      return undefined;
    }
    return this.withTail(this.parseOrChain({ body: [expr], explicit: false, loc: start }), start);
  }

  private atLogicalOp(): boolean {
    return this.kind() === T.LogicalAnd || this.kind() === T.LogicalOr;
  }

  /** An operand that may lead an `and`/`or` chain, with a trailing `with` for the whole. */
  private foldTail(operand: Operand, start: Location): Expr | undefined {
    if (this.atLogicalOp()) return this.withTail(this.parseOrChain(operand), start);
    return this.withTail(operand.body[0], start);
  }

  /** Attaches `with` modifiers that follow to `expr` (they apply to both operands of `and`/`or`). */
  private withTail(expr: Expr | undefined, start: Location): Expr | undefined {
    if (expr === undefined) return undefined;
    if (this.kind() === T.With) {
      const withs = this.parseWith();
      if (withs === undefined) return undefined;
      expr.with.push(...withs);
    }
    expr.loc = this.span(start);
    return expr;
  }

  /** `lhs (or operand)*`, each operand extended by a tighter `and` chain. */
  private parseOrChain(first: Operand): Expr | undefined {
    let lhs = first;
    if (this.kind() === T.LogicalAnd) {
      const and = this.parseAndChain(lhs);
      if (and === undefined) return undefined;
      lhs = { body: [and], explicit: false, loc: lhs.loc };
    }
    while (this.kind() === T.LogicalOr) {
      this.next();
      let rhs = this.parseOperand('or');
      if (rhs === undefined) return undefined;
      if (this.kind() === T.LogicalAnd) {
        const and = this.parseAndChain(rhs);
        if (and === undefined) return undefined;
        rhs = { body: [and], explicit: false, loc: rhs.loc };
      }
      lhs = { body: [this.logicalExpr('or', lhs, rhs)], explicit: false, loc: lhs.loc };
    }
    return lhs.body[0];
  }

  private parseAndChain(first: Operand): Expr | undefined {
    let lhs = first;
    while (this.kind() === T.LogicalAnd) {
      this.next();
      const rhs = this.parseOperand('and');
      if (rhs === undefined) return undefined;
      lhs = { body: [this.logicalExpr('and', lhs, rhs)], explicit: false, loc: lhs.loc };
    }
    return lhs.body[0];
  }

  /**
   * One operand of `and`/`or` (`op`), or of a group being tried (`op` empty: the caller restores on
   * failure, so no value-in-braces diagnosis).
   */
  private parseOperand(op: string): Operand | undefined {
    const start = this.loc();
    if (this.kind() === T.LBrace) {
      const m = this.mark();
      this.next();
      const empty = this.kind() === T.RBrace;
      const body = this.parseBody(T.RBrace);
      if (body !== undefined) return { body, explicit: true, loc: start };
      if (!empty && op !== '' && this.bracesHoldValue(m) !== undefined) {
        this.error(start, `operand of \`${op}\` cannot begin with \`{\` unless the braces hold a body`);
      }
      return undefined;
    }
    this.keywordRef();
    const negated = this.kind() === T.Not;
    if (negated) this.next();
    if (negated && this.notBodies && this.kind() === T.LBrace) {
      const not = this.parseNotBody(start);
      return not && { body: [not], explicit: false, loc: start };
    }
    if (this.kind() === T.LParen && this.logical && (!negated || this.notBodies)) {
      const g = this.parseGroup(true);
      if (g.committed) {
        if (!g.operand) return undefined;
        if (!negated) return g.operand;
        return { body: [negate(g.operand.body, this.span(start))], explicit: false, loc: start };
      }
    }
    const terms = this.parseExprTerms();
    if (terms === undefined) return undefined;
    const expr: Expr = { terms, negated, with: [], index: 0, loc: this.span(start) };
    return { body: [negated && this.notBodies ? notExpr(expr) : expr], explicit: false, loc: start };
  }

  /** `not { body }`; `{}` holding a value instead of expressions is diagnosed as OPA does. */
  private parseNotBody(start: Location): Expr | undefined {
    const braceLoc = this.loc();
    const m = this.mark();
    this.next();
    const empty = this.kind() === T.RBrace;
    const body = this.parseBody(T.RBrace);
    if (body !== undefined) return negate(body, this.span(start));
    const value = empty ? undefined : this.bracesHoldValue(m);
    if (value !== undefined) {
      this.error(braceLoc, `\`{...}\` in an operand position must contain expression(s), got: ${value}`);
    }
    return undefined;
  }

  /**
   * After braces failed to parse as a body (from mark `m`): the kind of value they hold when they
   * parse as a term instead (its diagnostics dropped), else undefined with the body's diagnostics kept.
   */
  private bracesHoldValue(m: Mark): string | undefined {
    const failed = this.mark();
    const bodyDiags = this.diags.slice(m.d);
    this.reset(m);
    const term = this.parseTermInfix(false);
    if (term !== undefined) {
      this.diags.length = m.d;
      return braceLedType(term);
    }
    this.reset(failed);
    this.diags.length = m.d;
    this.diags.push(...bodyDiags);
    return undefined;
  }

  /** `( ... )` as a group of logical operands; not committed when it is an ordinary term `(a == b)`. */
  private parseGroup(operandContext: boolean): Group {
    const m = this.mark();
    const open = this.loc();
    this.next();
    if (this.kind() === T.RParen) {
      if (!operandContext) {
        this.reset(m);
        return { committed: false };
      }
      this.error(open, 'empty parenthesized group');
      return { committed: true };
    }
    const lhs = this.parseOperand('');
    if (lhs === undefined) {
      this.reset(m);
      return { committed: false };
    }
    if (this.atLogicalOp()) {
      const expr = this.withTail(this.parseOrChain(lhs), lhs.loc);
      if (expr === undefined || !this.expectRParen()) return { committed: true };
      return { committed: true, operand: { body: [expr], explicit: false, loc: open } };
    }
    if (this.kind() === T.With && !lhs.explicit && lhs.body.length === 1) {
      const withLoc = this.loc();
      if (this.withTail(lhs.body[0], lhs.loc) === undefined) return { committed: true };
      if (this.atLogicalOp()) {
        this.error(withLoc, `\`with\` modifier is not allowed on operand of \`${this.tok.lit}\``);
        return { committed: true };
      }
      if (!this.expectRParen()) return { committed: true };
      if (operandContext || this.atLogicalOp()) return { committed: true, operand: { ...lhs, loc: open } };
      this.reset(m);
      return { committed: false };
    }
    if (lhs.explicit) {
      this.reset(m);
      this.next();
      const term = this.parseTerm();
      this.reset(m);
      if (term !== undefined) return { committed: false };
      this.error(open, '`(...)` in an operand position cannot contain a body');
      return { committed: true };
    }
    const only = lhs.body.length === 1 ? lhs.body[0] : undefined;
    if (only !== undefined && (only.negated || this.logicalExprs.has(only))) {
      if (!this.expectRParen()) return { committed: true };
      return { committed: true, operand: { ...lhs, loc: open } };
    }
    this.reset(m);
    return { committed: false };
  }

  private expectRParen(): boolean {
    if (this.kind() !== T.RParen) {
      this.error(this.tok, 'expected ) to close parenthesized group');
      return false;
    }
    this.next();
    return true;
  }

  /** The lowered `lhs and rhs` / `lhs or rhs`; assignments in unbraced operands are refused. */
  private logicalExpr(op: 'and' | 'or', lhs: Operand, rhs: Operand): Expr {
    for (const operand of [lhs, rhs]) {
      if (operand.explicit) continue;
      for (const e of operand.body) {
        const t = e.terms;
        const assign = Array.isArray(t) && t[0]?.type === 'ref' && t[0].value.length === 1;
        if (
          assign &&
          t[0].type === 'ref' &&
          t[0].value[0].type === 'var' &&
          t[0].value[0].value === 'assign'
        ) {
          const at = e.loc ?? operand.loc;
          this.diags.push({
            code: 'rego_compile_error',
            message: `cannot assign vars inside implicit ${op} operand`,
            location: { file: this.file, row: at.row, col: at.col },
          });
        }
      }
    }
    const loc = this.span(lhs.loc);
    const a = termExpr(closure(lhs.body, lhs.loc, true), op === 'or', lhs.loc);
    const b = termExpr(closure(rhs.body, rhs.loc, true), op === 'or', rhs.loc);
    const both = closure([a, b], loc);
    const expr =
      op === 'and'
        ? termExpr(both, false, loc)
        : termExpr(closure([termExpr(both, true, loc)], loc), false, loc);
    this.logicalExprs.add(expr);
    return expr;
  }
}

/**
 * `[true | body][0]`: defined (true) iff the body has a solution; the body's own vars stay local.
 * With `firstOnly` (an `and`/`or` operand) evaluation of the body stops at its first solution.
 */
function closure(body: Body, loc: Location, firstOnly = false): Term {
  body.forEach((e, i) => {
    e.index = i;
  });
  const compr: ArrayComprehension = { type: 'arraycomprehension', term: booleanTerm(true, loc), body, loc };
  if (firstOnly) compr.firstOnly = true;
  return refTerm([compr, numberTerm('0', loc)], loc);
}

function termExpr(term: Term, negated: boolean, loc: Location): Expr {
  return { terms: term, negated, with: [], index: 0, loc };
}

/** `not { body }`: true iff the body has no solution (its own vars local to it). */
function negate(body: Body, loc: Location): Expr {
  return termExpr(closure(body, loc), true, loc);
}

/** `not expr` (negated) as a not-body: the negation of the closure of `expr`, keeping its `with`. */
function notExpr(expr: Expr): Expr {
  const loc = expr.loc ?? { file: '', row: 1, col: 1, offset: 0, end: 0 };
  const inner: Expr = { ...expr, negated: false, with: [] };
  return { ...negate([inner], loc), with: expr.with };
}

/** OPA's name for the value a brace-led operand holds (an infix call is named by its left operand). */
function braceLedType(t: Term): string {
  if (
    t.type === 'call' &&
    t.value.length === 3 &&
    t.value[0].type === 'ref' &&
    t.value[0].value.length === 1
  ) {
    return braceLedType(t.value[1]);
  }
  return t.type;
}
