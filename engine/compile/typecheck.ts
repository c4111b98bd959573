// Call checks (OPA's CheckUndefinedFuncs, builtin arity and `with` target checks).
import { lookupBuiltin, type TypeName, typeAccepts } from '../builtins/catalog.js';
import type { Body, Expr, Term } from '../syntax/ast.js';
import type { DiagnosticBag } from '../syntax/diagnostics.js';
import { lookupNode, type RuleNode } from './program.js';
import { diagLoc, isDataRef, staticPath, termString, walkBody } from './terms.js';

/** What a call operator names. */
export type Callee =
  | { kind: 'builtin'; name: string; arity: number; void?: boolean }
  | { kind: 'function'; node: RuleNode; arity: number }
  | { kind: 'unknown'; name: string };

export function operatorText(op: Term): string | undefined {
  if (op.type !== 'ref') return undefined;
  const parts: string[] = [];
  for (const [i, t] of op.value.entries()) {
    if (i === 0 && t.type === 'var') parts.push(t.value);
    else if (i > 0 && t.type === 'string') parts.push(t.value);
    else return undefined;
  }
  return parts.join('.');
}

export function resolveCallee(root: RuleNode, op: Term): Callee {
  const text = operatorText(op) ?? termString(op);
  if (op.type === 'ref' && isDataRef(op)) {
    const path = staticPath(op);
    const node = path ? lookupNode(root, path) : undefined;
    if (node?.kind === 'function') return { kind: 'function', node, arity: node.arity ?? 0 };
    return { kind: 'unknown', name: text };
  }
  const b = lookupBuiltin(text);
  if (b) return { kind: 'builtin', name: b.name, arity: b.arity, void: b.void };
  return { kind: 'unknown', name: text };
}

export class CallChecker {
  constructor(
    private readonly root: RuleNode,
    private readonly bag: DiagnosticBag,
  ) {}

  /** Queries may call deprecated builtins (OPA rejects them only in v1 modules and strict mode). */
  allowDeprecated = false;

  private expr(e: Expr): void {
    const t = e.terms;
    if (Array.isArray(t)) this.call(t, e);
    for (const w of e.with) this.withTarget(w.target, e);
  }

  private call(terms: Term[], e: Expr): void {
    const op = terms[0];
    const callee = resolveCallee(this.root, op);
    const nargs = terms.length - 1;
    if (callee.kind === 'unknown') {
      this.bag.add('rego_type_error', `undefined function ${callee.name}`, diagLoc(op.loc ?? e.loc));
      return;
    }
    if (nargs < callee.arity || nargs > callee.arity + 1) {
      const name = callee.kind === 'builtin' ? callee.name : callee.node.path.join('.');
      const msg =
        nargs < callee.arity
          ? `${name}: arity mismatch: too few arguments (have ${nargs}, want ${callee.arity})`
          : `${name}: arity mismatch: too many arguments (have ${nargs}, want ${callee.arity})`;
      this.bag.add('rego_type_error', msg, diagLoc(op.loc ?? e.loc));
      return;
    }
    if (callee.kind === 'builtin' && lookupBuiltin(callee.name)?.deprecated && !this.allowDeprecated) {
      // Rego v1 rejects the builtins OPA deprecated (any, all, re_match, set_diff, cast_*, ...).
      this.bag.add(
        'rego_type_error',
        `deprecated built-in function calls in expression: ${callee.name}`,
        diagLoc(op.loc ?? e.loc),
      );
      return;
    }
    if (callee.kind === 'builtin') this.argTypes(callee.name, terms.slice(1, callee.arity + 1), e, op);
  }

  /** Literal operands of the wrong type are caught here, as OPA's type checker does. */
  private argTypes(name: string, args: Term[], e: Expr, op: Term): void {
    const decl = lookupBuiltin(name);
    if (!decl?.args) return;
    for (let i = 0; i < decl.args.length && i < args.length; i++) {
      const t = literalType(args[i]);
      if (t && !typeAccepts(decl.args[i], t)) {
        this.bag.add('rego_type_error', `${name}: invalid argument(s)`, diagLoc(op.loc ?? e.loc));
        return;
      }
    }
  }

  private withTarget(target: Term, e: Expr): void {
    if (target.type !== 'ref') return;
    const head = target.value[0];
    if (head.type === 'var' && (head.value === 'input' || head.value === 'data')) return;
    if (resolveCallee(this.root, target).kind === 'unknown') {
      this.bag.add(
        'rego_compile_error',
        `with keyword target must reference existing input, data, or a function`,
        diagLoc(target.loc ?? e.loc),
      );
    }
  }

  /** Checks every call in a body, closures included. Call terms nested in terms are checked too. */
  body(b: Body): void {
    walkBody(
      b,
      (t) => {
        if (t.type === 'call')
          this.call(t.value, { terms: t.value, negated: false, with: [], index: 0, loc: t.loc });
      },
      (e) => this.expr(e),
    );
  }
}

/** The type of a literal term, or undefined when only evaluation can tell. */
function literalType(t: Term): TypeName | undefined {
  switch (t.type) {
    case 'null':
    case 'boolean':
    case 'number':
    case 'string':
    case 'array':
    case 'set':
    case 'object':
      return t.type;
    case 'arraycomprehension':
      return 'array';
    case 'setcomprehension':
      return 'set';
    case 'objectcomprehension':
      return 'object';
    default:
      return undefined;
  }
}
