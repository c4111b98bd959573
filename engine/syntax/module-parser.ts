// Statement-level Rego parser: package, imports and rules (heads, bodies, else chains), the Rego v1
// keyword checks, and recovery at the next top-level line so one bad rule does not hide the rest.
import { attachAnnotations } from './annotations.js';
import type { Body, Head, Import, Module, Package, Rule, Term } from './ast.js';
import { LogicParser } from './logic-parser.js';
import { printRef } from './printer.js';
import {
  checkV1,
  cloneAst,
  isGround,
  nonRuleReason,
  type RuleFlags,
  setKey,
  trueBody,
  validateDefault,
} from './rule-checks.js';
import { isKeyword, T, TOKEN_NAMES, type Tok } from './tokens.js';

/**
 * Tokens that, after a keyword at the start of a statement, make it a rule named by that keyword
 * (OPA reports `<kw> keyword cannot be used for rule name` rather than a token error). `not` drops
 * `(` (`not (x)` is a negated group); `package`/`import` drop `if`/`contains`; `contains := x` is left
 * to the v1 rule check.
 */
const RULE_FOLLOWERS: readonly Tok[] = [T.Assign, T.Unify, T.If, T.Contains, T.LParen];
const KEYWORD_RULE_FOLLOWERS: Partial<Record<Tok, readonly Tok[]>> = {
  [T.Every]: RULE_FOLLOWERS,
  [T.If]: RULE_FOLLOWERS,
  [T.In]: RULE_FOLLOWERS,
  [T.Some]: RULE_FOLLOWERS,
  [T.As]: RULE_FOLLOWERS,
  [T.Package]: [T.Assign, T.Unify, T.LParen],
  [T.Import]: [T.Assign, T.Unify, T.LParen],
  [T.Not]: [T.Assign, T.Unify, T.If, T.Contains],
  [T.LogicalAnd]: [T.Assign, T.Unify, T.If, T.Contains],
  [T.LogicalOr]: [T.Assign, T.Unify, T.If, T.Contains],
  [T.Contains]: [T.If, T.Contains],
};

const IMPORT_ROOTS = new Set(['data', 'input', 'future', 'rego']);
/** Keywords `import future.keywords.<kw>` accepts in Rego v1 (sorted, as OPA lists them). */
const FUTURE_KEYWORDS = ['and', 'contains', 'every', 'if', 'in', 'not', 'or'];

export class ModuleParser extends LogicParser {
  private readonly flags = new Map<Rule, RuleFlags>();
  /** Every statement in source order, for attaching METADATA blocks to the next statement. */
  private readonly stmts: (Package | Import | Rule)[] = [];
  /**
   * Parse as Rego v0: bodies without `if`, `p[x] { ... }` partial sets and `p = v` are accepted (the
   * v1 keyword checks are off). The keywords stay reserved, as with `import future.keywords`.
   */
  v0 = false;

  parseModule(): Module | undefined {
    let pkg: Package | undefined;
    const imports: Import[] = [];
    const rules: Rule[] = [];
    let first = true;
    while (this.kind() !== T.EOF && !this.full) {
      const before = this.diags.length;
      const startTok = this.tok;
      let ok = true;
      this.keywordRef();
      if (this.keywordRuleName(false)) ok = false;
      else if (this.kind() === T.Package) {
        const p = this.parsePackage();
        ok = p !== undefined;
        if (p) {
          if (first) pkg = p;
          else this.error(startTok, 'unexpected package');
          this.stmts.push(p);
        }
      } else {
        if (first) this.error(startTok, 'package expected');
        if (this.kind() === T.Import) {
          const imp = this.parseImport();
          ok = imp !== undefined;
          if (imp) {
            imports.push(imp);
            this.stmts.push(imp);
          }
        } else {
          const parsed = this.parseRules();
          ok = parsed !== undefined;
          for (const r of parsed ?? []) {
            rules.push(r);
            this.stmts.push(r);
          }
        }
      }
      first = false;
      if (!ok) {
        if (this.diags.length === before) this.illegal();
        this.recover(startTok.off);
      }
    }
    if (first) this.error({ row: 1, col: 1 }, 'empty module');
    if (!this.v0) for (const r of rules) checkV1(r, this.flags, (l, m) => this.error(l, m));
    const module: Module = {
      package: pkg ?? { path: [] },
      imports,
      rules,
      annotations: [],
      comments: this.comments,
      file: this.file,
      ...(this.v0 ? { regoVersion: 0 as const } : {}),
    };
    attachAnnotations(module, this.stmts, (loc, msg) => this.error(loc, msg));
    return this.diags.length === 0 ? module : undefined;
  }

  /** Skips to the next token that starts a line at column 1 and could start a statement. */
  private recover(startOff: number): void {
    if (this.tok.off <= startOff && this.kind() !== T.EOF) this.next();
    for (; this.kind() !== T.EOF; this.next()) {
      const k = this.kind();
      if (this.tok.nl && this.tok.col === 1 && k !== T.RBrace && k !== T.RBrack && k !== T.RParen) return;
    }
  }

  // ------------------------------------------------------------------------------------------
  // package and import

  private parsePackage(): Package | undefined {
    const loc = this.loc();
    this.next();
    if (this.kind() !== T.Ident) {
      this.illegal();
      return undefined;
    }
    const term = this.parseTerm();
    if (term === undefined) return undefined;
    const data: Term = { type: 'var', value: 'data', loc: term.loc };
    if (term.type === 'var') {
      return { path: [data, { type: 'string', value: term.value, loc: term.loc }], loc: this.span(loc) };
    }
    if (term.type !== 'ref') {
      this.illegal();
      return undefined;
    }
    const [head, ...rest] = term.value;
    if (head.type !== 'var') {
      this.error(head.loc ?? loc, `unexpected ${head.type} token: expecting var`);
      return undefined;
    }
    const path: Term[] = [data, { type: 'string', value: head.value, loc: head.loc }];
    for (const seg of rest) {
      if (seg.type !== 'string') {
        this.error(seg.loc ?? loc, `unexpected ${seg.type} token: expecting string`);
        return undefined;
      }
      path.push(seg);
    }
    return { path, loc: this.span(loc) };
  }

  private parseImport(): Import | undefined {
    const loc = this.loc();
    this.next();
    if (this.kind() !== T.Ident) {
      this.illegal();
      return undefined;
    }
    const term = this.parseTerm();
    if (term === undefined) return undefined;
    if (term.type !== 'ref' && term.type !== 'var') {
      this.error(this.loc(), 'expected path');
      return undefined;
    }
    const path = term.type === 'ref' ? term : { type: 'ref' as const, value: [term], loc: term.loc };
    for (const seg of path.value.slice(1)) {
      if (seg.type !== 'string') {
        this.error(seg.loc ?? loc, `unexpected ${seg.type} token: expecting string`);
        return undefined;
      }
    }
    const head = path.value[0];
    const root = head.type === 'var' ? head.value : '';
    const pathLoc = path.loc ?? loc;
    if (!IMPORT_ROOTS.has(root)) {
      const got = head.type === 'var' ? head.value : printRef({ type: 'ref', value: [head] });
      this.error(
        pathLoc,
        `unexpected import path, must begin with one of: {data, future, input, rego}, got: ${got}`,
      );
      return undefined;
    }
    const imp: Import = { path, loc };
    if (this.kind() === T.As) {
      this.next();
      if (this.kind() !== T.Ident) {
        this.illegal('expected var');
        return undefined;
      }
      imp.alias = this.tok.lit;
      this.next();
    }
    imp.loc = this.span(loc);
    const segs = path.value.slice(1).map((s) => (s.type === 'string' ? s.value : ''));
    if (root === 'future') {
      if (segs[0] !== 'keywords') this.error(pathLoc, 'invalid import, must be `future.keywords`');
      else if (imp.alias !== undefined) this.error(pathLoc, '`future` imports cannot be aliased');
      else if (segs.length === 2 && !FUTURE_KEYWORDS.includes(segs[1])) {
        this.error(pathLoc, `unexpected keyword, must be one of [${FUTURE_KEYWORDS.join(' ')}]`);
      } else this.enableKeywords(segs.length === 1 ? ['and', 'or', 'not'] : [segs[1]]);
    } else if (root === 'rego') {
      if (segs.length !== 1 || (segs[0] !== 'v1' && segs[0] !== 'v2'))
        this.error(pathLoc, `invalid import \`${printRef(path)}\`, must be one of: \`rego.v1\`, \`rego.v2\``);
      else if (imp.alias !== undefined) this.error(pathLoc, '`rego` imports cannot be aliased');
      else if (segs[0] === 'v2') this.enableKeywords(['and', 'or', 'not']);
    } else if (imp.alias === undefined) {
      const last = segs.length > 0 ? segs[segs.length - 1] : root;
      const lastTerm = path.value[path.value.length - 1];
      if (isKeyword(last)) {
        this.error(
          lastTerm.loc ?? pathLoc,
          `unexpected import path, must not end with a keyword, got: ${last}`,
        );
      }
    }
    return imp;
  }

  // ------------------------------------------------------------------------------------------
  // rules

  private parseRules(): Rule[] | undefined {
    const loc = this.loc();
    let isDefault = false;
    this.keywordRef();
    if (this.kind() === T.Default) {
      isDefault = true;
      this.next();
      this.keywordRef();
    }
    if (this.keywordRuleName(isDefault)) return undefined;
    if (this.kind() !== T.Ident && this.kind() !== T.Contains) {
      if (isDefault) {
        this.illegal('expected ident');
        return undefined;
      }
      return this.parseNonRuleStatement();
    }
    const headed = this.parseHead(isDefault);
    if (headed === undefined) return undefined;
    const { head, usesContains } = headed;
    let generatedValue = headed.generatedValue;
    const rule: Rule = { default: isDefault, head, body: [], loc };

    if (isDefault) {
      if (!validateDefault(rule, (l, m) => this.error(l, m))) return undefined;
      rule.body = trueBody(loc);
      rule.loc = this.span(loc);
      // OPA does not count a default rule's body as generated, so `default p` (value true) passes.
      this.flags.set(rule, { hasIf: false, usesContains, generatedBody: false, generatedValue });
      return [rule];
    }

    const hasIf = this.kind() === T.If;
    const ref = head.ref;
    if (hasIf && !usesContains && ref.length === 2 && head.value === undefined) {
      head.value = { type: 'boolean', value: true, loc: head.loc };
      generatedValue = true;
    }
    if (!hasIf && !usesContains && !head.args && ref.length === 2 && head.value === undefined) {
      // `p[x]` without `if`: a v0 partial set; the v1 check below reports the missing `contains`.
      head.key = ref[1];
      head.ref = ref.slice(0, 1);
      // In v0 this is the partial set `p contains x`.
      if (this.v0) head.contains = true;
    }
    setKey(head);

    let generatedBody = false;
    if (hasIf) {
      this.next();
      const m = this.mark();
      const braced = this.kind() === T.LBrace;
      const expr = this.parseLiteral();
      const isSet = expr !== undefined && !Array.isArray(expr.terms) && expr.terms.type === 'set';
      if (expr !== undefined && !isSet) rule.body = [expr];
      else {
        // `p if { x }` is a body, not a set literal `{x}` (a set is always true).
        if (!braced) return undefined;
        this.reset(m);
        const body = this.parseBraceBody();
        if (body === undefined) return undefined;
        rule.body = body;
      }
    } else if (this.kind() === T.LBrace) {
      const body = this.parseBraceBody();
      if (body === undefined) return undefined;
      rule.body = body;
    } else if (usesContains || !generatedValue || head.args || head.key !== undefined) {
      rule.body = trueBody(loc);
      generatedBody = true;
      // OPA reads a lone `f(x)` as a function returning true, not as a rule missing its value.
      if (head.args) generatedValue = false;
    } else if (ref.length === 1 && head.ref.length === 1) {
      this.error(loc, 'var cannot be used for rule name');
      return undefined;
    } else {
      rule.body = trueBody(loc);
      generatedBody = true;
    }
    this.flags.set(rule, { hasIf, usesContains, generatedBody, generatedValue });

    // `else.x := 1` on the next line is a new rule named by a keyword, not an else branch.
    if (this.kind() === T.Else && !this.keywordRef()) {
      if (head.ref.length > 1 && !isGround(head.ref.slice(1))) {
        this.error(this.tok, 'else keyword cannot be used on rules with variables in head');
        return undefined;
      }
      if (head.key !== undefined) {
        this.error(this.tok, 'else keyword cannot be used on multi-value rules');
        return undefined;
      }
      const elseRule = this.parseElse(head);
      if (elseRule === undefined) return undefined;
      rule.else = elseRule;
    }
    rule.loc = this.span(loc);

    const rules = [rule];
    // Chained bodies `p if { a } { b }` define one rule per body.
    while (this.kind() === T.LBrace) {
      if (rule.else) {
        this.error(this.tok, 'expected else keyword');
        return undefined;
      }
      const start = this.loc();
      const body = this.parseBraceBody();
      if (body === undefined) return undefined;
      const next: Rule = { default: false, head: cloneAst(head), body, loc: this.span(start) };
      this.flags.set(next, { hasIf, usesContains, generatedBody: false, generatedValue });
      rules.push(next);
    }
    return rules;
  }

  /**
   * Reports a keyword used as a rule name (`if := 1`, `default in := 2`): after `default` any keyword
   * with followers counts, otherwise only when a follower token comes next.
   */
  private keywordRuleName(isDefault: boolean): boolean {
    const followers = KEYWORD_RULE_FOLLOWERS[this.kind()];
    if (followers === undefined) return false;
    const next = this.toks[this.i + 1];
    if (!isDefault && (next === undefined || !followers.includes(next.k))) return false;
    this.error(this.tok, `${TOKEN_NAMES[this.kind()]} keyword cannot be used for rule name`);
    return true;
  }

  private parseBraceBody(): Body | undefined {
    this.next();
    return this.parseBody(T.RBrace);
  }

  private parseHead(
    isDefault: boolean,
  ): { head: Head; usesContains: boolean; generatedValue: boolean } | undefined {
    const loc = this.loc();
    const name = this.tok.lit;
    const v: Term = { type: 'var', value: name, loc };
    this.next();
    const k = this.kind();
    if ((k >= T.Add && k <= T.Or) || k === T.Equal || (k >= T.Neq && k <= T.Lte)) {
      this.illegal();
      return undefined;
    }
    // Heads accept whitespace before the first `[`, `.` or `(` (`p [x]`), unlike terms.
    const term = this.parseTermFinish(v, true);
    if (term === undefined) return undefined;
    const head: Head = { name, ref: [], assign: false, contains: false, loc };
    if (term.type === 'var') head.ref = [term];
    else if (term.type === 'ref') head.ref = term.value;
    else if (term.type === 'call') {
      const op = term.value[0];
      if (op.type !== 'ref' || op.value[0]?.type !== 'var') {
        this.illegal(
          `rule head ref ${printRef(op.type === 'ref' ? op : { type: 'ref', value: [op] })} invalid`,
        );
        return undefined;
      }
      head.ref = op.value;
      head.args = term.value.slice(1);
    } else {
      this.illegal('expected rule head name');
      return undefined;
    }
    const shown = printRef({ type: 'ref', value: head.ref });
    let usesContains = false;
    switch (this.kind()) {
      case T.Contains: {
        if (head.args) {
          this.illegal(
            `the contains keyword can only be used with multi-value rule definitions (e.g., ${shown} contains <VALUE> { ... })`,
          );
        }
        this.next();
        const key = this.valueTerm(`expected rule key term (e.g., ${shown} contains <VALUE> { ... })`);
        if (key === undefined) return undefined;
        head.key = key;
        head.contains = true;
        usesContains = true;
        break;
      }
      case T.Unify:
      case T.Assign: {
        head.assign = this.kind() === T.Assign;
        this.next();
        let note = `expected rule value term (e.g., ${shown} := <VALUE> { ... })`;
        if (!head.assign) note = `expected rule value term (e.g., ${shown} = <VALUE> { ... })`;
        else if (head.args) note = `expected function value term (e.g., ${shown}(...) := <VALUE> { ... })`;
        else if (isDefault) note = `expected default rule value term (e.g., default ${shown} := <VALUE>)`;
        const value = this.valueTerm(note);
        if (value === undefined) return undefined;
        head.value = value;
        break;
      }
    }
    let generatedValue = false;
    if (head.value === undefined && head.key === undefined && (head.ref.length !== 2 || head.args)) {
      head.value = { type: 'boolean', value: true, loc };
      generatedValue = true;
    }
    head.loc = this.span(loc);
    return { head, usesContains, generatedValue };
  }

  /**
   * A head value or key. When it does not parse, OPA adds a second error saying what was expected
   * (`unexpected eof token: expected rule value term (e.g., p := <VALUE> { ... })`); so do we.
   */
  private valueTerm(note: string): Term | undefined {
    const term = this.parseTermInfix(true);
    // For an illegal token the lexer's reason is enough.
    if (term === undefined && this.tok.k !== T.Illegal) this.illegal(note);
    return term;
  }

  private parseElse(head: Head): Rule | undefined {
    const loc = this.loc();
    const elseHead: Head = { ...cloneAst(head), loc };
    delete elseHead.value;
    elseHead.assign = false;
    this.next();
    let generatedValue = false;
    switch (this.kind()) {
      case T.LBrace:
      case T.If:
        elseHead.value = { type: 'boolean', value: true, loc };
        generatedValue = true;
        break;
      case T.Assign:
      case T.Unify: {
        elseHead.assign = this.kind() === T.Assign;
        this.next();
        const value = this.parseTermInfix(true);
        if (value === undefined) return undefined;
        elseHead.value = value;
        break;
      }
      default:
        this.illegal('expected else value term or rule body');
        return undefined;
    }
    const rule: Rule = { default: false, head: elseHead, body: [], loc };
    const hasIf = this.kind() === T.If;
    if (!hasIf && this.kind() !== T.LBrace) {
      rule.body = trueBody(loc);
      this.flags.set(rule, { hasIf, usesContains: false, generatedBody: true, generatedValue });
    } else {
      if (hasIf) this.next();
      if (this.kind() === T.LBrace) {
        const body = this.parseBraceBody();
        if (body === undefined) return undefined;
        rule.body = body;
      } else if (this.kind() !== T.EOF) {
        const expr = this.parseLiteral();
        if (expr === undefined) return undefined;
        rule.body = [expr];
      } else {
        this.illegal('rule body expected');
        return undefined;
      }
      this.flags.set(rule, { hasIf, usesContains: false, generatedBody: false, generatedValue });
    }
    if (this.kind() === T.Else && !this.keywordRef()) {
      const next = this.parseElse(head);
      if (next === undefined) return undefined;
      rule.else = next;
    }
    rule.loc = this.span(loc);
    return rule;
  }

  /** A statement that does not start with a rule name: OPA parses it as a query and rejects it. */
  private parseNonRuleStatement(): undefined {
    const expr = this.parseLiteral();
    if (expr === undefined) return undefined;
    const loc = expr.loc ?? this.loc();
    this.error(loc, nonRuleReason(expr));
    return undefined;
  }
}
