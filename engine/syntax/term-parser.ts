// Recursive-descent parser for Rego terms: scalars, collections, comprehensions, refs and calls.
// Infix operators and bodies live in expr-parser.ts, which this class defers to through abstract methods.
import {
  type ArrayTerm,
  type Body,
  type CallTerm,
  type Expr,
  type Location,
  type ObjectTerm,
  type RefTerm,
  refTerm,
  type SetTerm,
  type Term,
} from './ast.js';
import type { Diagnostic } from './diagnostics.js';
import { decodeString } from './lexer.js';
import { type Mark, ParserBase } from './parser-base.js';
import { type TemplatePart, templateExprError, templateTerm } from './template-strings.js';
import { isKeywordToken, T, TOKEN_NAMES, type Tok } from './tokens.js';

/** Deepest term nesting accepted (OPA allows more, but the JS stack is the real bound here). */
const MAX_DEPTH = 400;

export abstract class TermParser extends ParserBase {
  /** A term with infix operators; with `keyVal`, also `k, v in xs`. */
  protected abstract parseTermInfix(keyVal: boolean): Term | undefined;
  /** Literals up to and including `end`. */
  protected abstract parseBody(end: Tok): Body | undefined;
  /** One body literal (for template-string expressions). */
  protected abstract parseLiteral(): Expr | undefined;

  /**
   * Counter for the variables template strings introduce: `__tpl<n>__`, named like OPA's own
   * generated locals so a printed module stays valid Rego.
   */
  private templateVars = 0;

  /** Current term nesting, bounded so deep input yields a located diagnostic, not a stack overflow. */
  private depth = 0;
  /**
   * Terms already parsed, by start token. Collections parse their first element as a plain term and
   * re-parse it as an infix term when an operator follows; without this memo (OPA keeps one too),
   * `{{{1} + 1} + 1}` would take time exponential in its nesting.
   */
  private readonly memo = new Map<number, { term: Term | undefined; after: Mark; diags: Diagnostic[] }>();

  /** One term with its ref/call suffixes. Leaves the parser on the token after it. */
  protected parseTerm(): Term | undefined {
    const start = this.i;
    // Only collections and parentheses are ever re-parsed at the same place; scalars are cheap.
    const k = this.tok.k;
    const memoize = k === T.LBrack || k === T.LBrace || k === T.LParen;
    const hit = memoize ? this.memo.get(start) : undefined;
    if (hit) {
      this.jump(hit.after);
      for (const d of hit.diags) if (d.location) this.error(d.location, d.message);
      return hit.term;
    }
    if (this.depth >= MAX_DEPTH) {
      this.error(this.tok, 'max parsing recursion depth exceeded');
      return undefined;
    }
    const d0 = this.diags.length;
    this.depth++;
    let term: Term | undefined;
    try {
      term = this.parseTermInner();
    } finally {
      this.depth--;
    }
    if (memoize) this.memo.set(start, { term, after: this.mark(), diags: this.diags.slice(d0) });
    return term;
  }

  private parseTermInner(): Term | undefined {
    const t = this.tok;
    let term: Term | undefined;
    switch (t.k) {
      case T.Null:
        term = { type: 'null', loc: this.loc() };
        this.next();
        break;
      case T.True:
      case T.False:
        term = { type: 'boolean', value: t.k === T.True, loc: this.loc() };
        this.next();
        break;
      case T.Sub:
      case T.Dot:
      case T.Number:
        term = this.parseNumber();
        break;
      case T.String: {
        const value = t.lit.charCodeAt(0) === 96 ? t.lit.slice(1, -1) : decodeString(t.lit);
        if (value === undefined) {
          this.error(t, `illegal string literal: ${t.lit}`);
          return undefined;
        }
        term = { type: 'string', value, loc: this.loc() };
        this.next();
        break;
      }
      // `and(` / `or(` call the set builtins even where `and`/`or` are operators.
      case T.LogicalAnd:
      case T.LogicalOr: {
        const n = this.toks[this.i + 1];
        if (n?.k !== T.LParen || n.ws) {
          this.illegal();
          return undefined;
        }
        term = { type: 'var', value: t.lit, loc: this.loc() };
        this.next();
        break;
      }
      // `contains` is only a keyword in rule heads; elsewhere it names the builtin.
      case T.Ident:
      case T.Contains:
        term = { type: 'var', value: t.lit, loc: this.loc() };
        this.next();
        break;
      case T.TemplatePart:
      case T.TemplateEnd:
        term = this.parseTemplate();
        break;
      case T.LBrack:
        term = this.parseArray();
        break;
      case T.LBrace:
        term = this.parseSetOrObject();
        break;
      case T.LParen: {
        this.next();
        const inner = this.parseTermInfix(true);
        if (inner === undefined) return undefined;
        if (this.kind() !== T.RParen) {
          this.error(this.tok, 'non-terminated expression');
          return undefined;
        }
        this.next();
        term = inner;
        break;
      }
      default:
        this.illegal();
        return undefined;
    }
    if (term === undefined) return undefined;
    return this.parseTermFinish(term, false);
  }

  /** A template string: its parts, each `{expr}` a body literal closed by `}`. */
  private parseTemplate(): Term | undefined {
    const loc = this.loc();
    const parts: TemplatePart[] = [];
    for (;;) {
      const t = this.tok;
      const text = t.raw ? t.text : decodeString(`"${t.text ?? ''}"`);
      if (text === undefined) {
        this.error(t, 'illegal escape sequence');
        return undefined;
      }
      if (text.length > 0) parts.push({ text, loc: this.loc() });
      this.next();
      if (t.k === T.TemplateEnd) break;
      const exprLoc = this.loc();
      const expr = this.parseLiteral();
      if (expr === undefined) {
        this.error(this.tok, 'invalid template-string expression');
        return undefined;
      }
      const bad = templateExprError(expr);
      if (bad !== undefined) {
        this.error(expr.loc ?? exprLoc, bad);
        return undefined;
      }
      parts.push({ expr, loc: exprLoc });
      if (this.kind() !== T.RBrace) {
        this.error(this.tok, 'expected } to end template string expression');
        return undefined;
      }
      this.next();
      if (this.kind() !== T.TemplatePart && this.kind() !== T.TemplateEnd) {
        this.illegal();
        return undefined;
      }
    }
    return templateTerm(parts, this.span(loc), () => `__tpl${this.templateVars++}__`);
  }

  /** Continues `term` into a ref or call when `.`, `[` or `(` follows without whitespace. */
  protected parseTermFinish(term: Term, allowSpace: boolean): Term | undefined {
    const k = this.kind();
    if ((k === T.Dot || k === T.LBrack || k === T.LParen) && (allowSpace || !this.tok.ws)) {
      return this.parseRef(term);
    }
    if (term.type === 'var' && (term.value === 'data' || term.value === 'input')) {
      return refTerm([term], term.loc);
    }
    return term;
  }

  protected parseRef(head: Term): Term | undefined {
    const start = head.loc ?? this.loc();
    switch (head.type) {
      case 'var':
      case 'array':
      case 'object':
      case 'set':
      case 'arraycomprehension':
      case 'objectcomprehension':
      case 'setcomprehension':
      case 'call':
        break;
      default:
        this.error(start, `illegal ref (head cannot be ${head.type})`);
    }
    const ref: Term[] = [head];
    for (;;) {
      const k = this.kind();
      if (k === T.Dot) {
        this.next();
        // OPA 1.x accepts keywords after a dot (`input.default`).
        if (this.kind() !== T.Ident && !isKeywordToken(this.kind()) && this.kind() !== T.Contains) {
          this.illegal('expected ident');
          return undefined;
        }
        ref.push({ type: 'string', value: this.tok.lit, loc: this.loc() });
        this.next();
      } else if (k === T.LBrack) {
        this.next();
        const key = this.parseTermInfix(true);
        if (key === undefined) return undefined;
        if (this.kind() !== T.RBrack) {
          this.illegal('expected ]');
          return undefined;
        }
        this.next();
        ref.push(key);
      } else if (k === T.LParen) {
        const op: RefTerm = { type: 'ref', value: ref.slice(), loc: this.span(start) };
        const call = this.parseCall(op, start);
        if (call === undefined) return undefined;
        const nk = this.kind();
        if ((nk === T.Dot || nk === T.LBrack) && !this.tok.ws) return this.parseRef(call);
        return call;
      } else break;
      const nk = this.kind();
      if (this.tok.ws || (nk !== T.Dot && nk !== T.LBrack && nk !== T.LParen)) break;
    }
    return { type: 'ref', value: ref, loc: this.span(start) };
  }

  private parseCall(op: RefTerm, start: Location): CallTerm | SetTerm | undefined {
    this.next();
    if (this.kind() === T.RParen) {
      this.next();
      const only = op.value.length === 1 ? op.value[0] : undefined;
      if (only?.type === 'var' && only.value === 'set')
        return { type: 'set', value: [], loc: this.span(start) };
      return { type: 'call', value: [op], loc: this.span(start) };
    }
    const args = this.parseTermList(T.RParen, [op]);
    if (args === undefined) return undefined;
    return { type: 'call', value: args, loc: this.span(start) };
  }

  protected parseNumber(): Term | undefined {
    const start = this.loc();
    let prefix = '';
    if (this.kind() === T.Sub) {
      prefix = '-';
      this.next();
      if (this.kind() !== T.Number && this.kind() !== T.Dot) {
        this.illegal('expected number');
        return undefined;
      }
    }
    if (this.kind() === T.Dot) {
      prefix += '.';
      this.next();
      if (this.kind() !== T.Number) {
        this.illegal('expected number');
        return undefined;
      }
    }
    const lit = this.tok.lit;
    if (!prefix.endsWith('.') && lit.length > 1 && lit[0] === '0') {
      const ok = lit[1] === '.' || (lit.length > 2 && (lit[1] === 'e' || lit[1] === 'E'));
      if (!ok) {
        this.illegal('expected number without leading zero');
        return undefined;
      }
    }
    if (prefix.endsWith('.') && /[.]/.test(lit)) {
      this.illegal('invalid float');
      return undefined;
    }
    if (exponentTooBig(lit)) {
      this.error(this.tok, 'number too big');
      return undefined;
    }
    this.next();
    return { type: 'number', value: prefix + lit, loc: this.span(start) };
  }

  private parseArray(): Term | undefined {
    const start = this.loc();
    this.next();
    if (this.kind() === T.RBrack) {
      this.next();
      return { type: 'array', value: [], loc: this.span(start) };
    }
    let potentialComprehension = true;
    // A leading comma (`[, x]`) is accepted for compatibility, but rules out a comprehension.
    if (this.kind() === T.Comma) {
      potentialComprehension = false;
      this.next();
    }
    const m = this.mark();
    // Comprehensions win over `|` calls: `[a | b]` is a comprehension.
    const head = this.parseTerm();
    if (head === undefined) return undefined;
    switch (this.kind()) {
      case T.RBrack:
        this.next();
        return { type: 'array', value: [head], loc: this.span(start) };
      case T.Comma: {
        this.next();
        const terms = this.parseTermList(T.RBrack, [head]);
        return terms && { type: 'array', value: terms, loc: this.span(start) };
      }
      case T.Or:
        if (potentialComprehension) {
          this.next();
          const body = this.parseBody(T.RBrack);
          if (body !== undefined)
            return { type: 'arraycomprehension', term: head, body, loc: this.span(start) };
          if (this.kind() !== T.Comma) return undefined;
        }
    }
    this.reset(m);
    const terms = this.parseTermList(T.RBrack, []);
    return terms && ({ type: 'array', value: terms, loc: this.span(start) } satisfies ArrayTerm);
  }

  private parseSetOrObject(): Term | undefined {
    const start = this.loc();
    this.next();
    if (this.kind() === T.RBrace) {
      this.next();
      return { type: 'object', value: [], loc: this.span(start) };
    }
    let potentialComprehension = true;
    if (this.kind() === T.Comma) {
      potentialComprehension = false;
      this.next();
    }
    const m = this.mark();
    let head = this.parseTerm();
    if (head === undefined) return undefined;
    switch (this.kind()) {
      case T.Or:
        if (potentialComprehension) return this.parseSet(start, m, head, true);
        break;
      case T.RBrace:
      case T.Comma:
        return this.parseSet(start, m, head, potentialComprehension);
      case T.Colon:
        return this.parseObject(start, head, potentialComprehension);
    }
    this.reset(m);
    head = this.parseTermInfix(false);
    if (head === undefined) return undefined;
    switch (this.kind()) {
      case T.RBrace:
      case T.Comma:
        return this.parseSet(start, m, head, false);
      case T.Colon:
        return this.parseObject(start, head, potentialComprehension);
    }
    this.illegal('non-terminated set');
    return undefined;
  }

  private parseSet(start: Location, m: Mark, head: Term, potentialComprehension: boolean): Term | undefined {
    switch (this.kind()) {
      case T.RBrace:
        this.next();
        return { type: 'set', value: [head], loc: this.span(start) };
      case T.Comma: {
        this.next();
        const terms = this.parseTermList(T.RBrace, [head]);
        return terms && { type: 'set', value: terms, loc: this.span(start) };
      }
      case T.Or: {
        if (potentialComprehension) {
          this.next();
          const body = this.parseBody(T.RBrace);
          if (body !== undefined)
            return { type: 'setcomprehension', term: head, body, loc: this.span(start) };
          if (this.kind() !== T.Comma) return undefined;
        }
        this.reset(m);
        const terms = this.parseTermList(T.RBrace, []);
        return terms && { type: 'set', value: terms, loc: this.span(start) };
      }
    }
    return undefined;
  }

  private parseObject(start: Location, key: Term, potentialComprehension: boolean): Term | undefined {
    this.next(); // ':'
    const m = this.mark();
    const v = this.parseTerm();
    if (v === undefined) return undefined;
    let potentialRelation = true;
    if (potentialComprehension) {
      const k = this.kind();
      if (k === T.RBrace || k === T.Comma || k === T.Or) {
        if (k !== T.Or) potentialRelation = false;
        const obj = this.parseObjectFinish(start, key, v, true);
        if (obj !== undefined) return obj;
      }
    }
    this.reset(m);
    if (potentialRelation) {
      const value = this.parseTermInfix(false);
      if (value === undefined) return undefined;
      if (this.kind() === T.RBrace || this.kind() === T.Comma)
        return this.parseObjectFinish(start, key, value, false);
    }
    this.illegal('non-terminated object');
    return undefined;
  }

  private parseObjectFinish(start: Location, key: Term, value: Term, compr: boolean): Term | undefined {
    switch (this.kind()) {
      case T.RBrace:
        this.next();
        return { type: 'object', value: [[key, value]], loc: this.span(start) };
      case T.Or:
        if (compr) {
          this.next();
          const body = this.parseBody(T.RBrace);
          if (body !== undefined)
            return { type: 'objectcomprehension', key, value, body, loc: this.span(start) };
        } else this.illegal('non-terminated object');
        return undefined;
      case T.Comma: {
        this.next();
        const pairs = this.parseTermPairList([[key, value]]);
        return pairs && ({ type: 'object', value: pairs, loc: this.span(start) } satisfies ObjectTerm);
      }
    }
    return undefined;
  }

  /** Comma-separated terms up to `end` (consumed); a trailing comma is allowed. */
  protected parseTermList(end: Tok, out: Term[]): Term[] | undefined {
    if (this.kind() === end) {
      this.next();
      return out;
    }
    for (;;) {
      const term = this.parseTermInfix(false);
      if (term === undefined) return undefined;
      out.push(term);
      if (this.kind() === end) {
        this.next();
        return out;
      }
      if (this.kind() !== T.Comma) {
        this.illegal(`expected "," or "${TOKEN_NAMES[end]}"`);
        return undefined;
      }
      this.next();
      if (this.kind() === end) {
        this.next();
        return out;
      }
    }
  }

  private parseTermPairList(out: [Term, Term][]): [Term, Term][] | undefined {
    if (this.kind() === T.RBrace) {
      this.next();
      return out;
    }
    for (;;) {
      const key = this.parseTermInfix(false);
      if (key === undefined) return undefined;
      if (this.kind() !== T.Colon) {
        this.illegal('expected ":"');
        return undefined;
      }
      this.next();
      const value = this.parseTermInfix(false);
      if (value === undefined) return undefined;
      out.push([key, value]);
      if (this.kind() === T.RBrace) {
        this.next();
        return out;
      }
      if (this.kind() !== T.Comma) {
        this.illegal('expected "," or "}"');
        return undefined;
      }
      this.next();
      if (this.kind() === T.RBrace) {
        this.next();
        return out;
      }
    }
  }
}

/**
 * OPA rejects numbers whose binary exponent exceeds 1e5 (to bound big-float costs); 1e5 binary
 * digits are about 30103 decimal ones.
 */
function exponentTooBig(lit: string): boolean {
  const e = lit.search(/[eE]/);
  const intDigits = (e < 0 ? lit : lit.slice(0, e)).split('.')[0].replace(/^0+/, '').length;
  const exp = e < 0 ? 0 : Number(lit.slice(e + 1));
  return Math.abs(exp + intDigits) > 30103;
}
