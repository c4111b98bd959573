// Planning of bodies and expressions: calls (builtins and user functions), comparisons,
// truthiness, negation and `every`.
import { lookupBuiltin } from '../builtins/catalog.js';
import { isHostBuiltin } from '../builtins/index.js';
import { resolveCallee } from '../compile/typecheck.js';
import type { Body, Every, Expr, Term } from '../syntax/ast.js';
import { type Block, local, type Operand, type Stmt } from './ir.js';
import { hasUnbound, planTerm, planTerms } from './plan-terms.js';
import { unify, unifyLocal } from './plan-unify.js';
import { planWith } from './plan-with.js';
import type { Cont, Planner } from './planner.js';

/** Plans `body` from expression `i`; `k` runs once per solution, nested inside any iteration. */
export function planBody(p: Planner, body: Body, k: Cont, i = 0): void {
  if (i >= body.length) {
    k();
    return;
  }
  planExpr(p, body[i], () => planBody(p, body, k, i + 1));
}

export function planExpr(p: Planner, e: Expr, k: Cont): void {
  if (e.loc && (!e.generated || e.covered)) p.cover(e.loc);
  if (e.with.length > 0) {
    planWith(p, e, k);
    return;
  }
  planExprNoWith(p, e, k);
}

export function planExprNoWith(p: Planner, e: Expr, k: Cont): void {
  if (e.negated) {
    planNegation(p, (k2) => planPositive(p, e, k2), k);
    return;
  }
  planPositive(p, e, k);
}

function planPositive(p: Planner, e: Expr, k: Cont): void {
  const t = e.terms;
  if (Array.isArray(t)) {
    planCall(p, t, e, k);
    return;
  }
  if (t.type === 'every') {
    planEvery(p, t, k);
    return;
  }
  if (t.type === 'some') {
    k();
    return;
  }
  planTerm(p, t, (op) => {
    truthy(p, op);
    k();
  });
}

function truthy(p: Planner, op: Operand): void {
  if (op.type === 'bool') {
    if (!op.value) p.fail();
    return;
  }
  p.emit({ kind: 'NotEqual', a: op, b: { type: 'bool', value: false } });
}

/**
 * Plans "no solution of `inner` exists". Without iteration on the way to the continuation a
 * Not statement suffices; otherwise a flag set at every solution is tested afterwards, because
 * a Scan is defined even when none of its iterations completes.
 */
export function planNegation(p: Planner, inner: (k: Cont) => void, k: Cont): void {
  const flag = p.newLocal();
  const marker: Stmt = { kind: 'AssignVar', source: { type: 'bool', value: true }, target: flag };
  // The flag is reset first: this negation may itself run once per iteration of an outer Scan.
  p.emit({ kind: 'ResetLocal', target: flag });
  const block: Block = p.into({ stmts: [] }, () => inner(() => p.emit(marker)));
  const top = block.stmts.indexOf(marker);
  if (top >= 0 && !block.stmts.some((s) => s !== marker && containsMarker(s, marker))) {
    block.stmts.splice(top, 1);
    p.emit({ kind: 'Not', block });
  } else {
    p.emit({ kind: 'Block', blocks: [block] });
    p.emit({ kind: 'IsUndefined', source: flag });
  }
  k();
}

function containsMarker(s: Stmt, marker: Stmt): boolean {
  const blocks: Block[] =
    s.kind === 'Block'
      ? s.blocks
      : s.kind === 'Scan' || s.kind === 'Not' || s.kind === 'With'
        ? [s.block]
        : [];
  return blocks.some((b) => b.stmts.some((x) => x === marker || containsMarker(x, marker)));
}

function planEvery(p: Planner, ev: Every, k: Cont): void {
  planTerm(p, ev.domain, (dom) => {
    const source = p.toLocal(dom);
    // As in OPA, `every` over something that is not a collection (a number, a string) is undefined.
    const isCollection = p.newLocal();
    p.emit({ kind: 'ResetLocal', target: isCollection });
    const mark: Stmt = { kind: 'AssignVar', source: { type: 'bool', value: true }, target: isCollection };
    p.emit({
      kind: 'Block',
      blocks: (['IsArray', 'IsObject', 'IsSet'] as const).map((kind) => ({
        stmts: [{ kind, source: { type: 'local', value: source } }, mark],
      })),
    });
    p.emit({ kind: 'IsDefined', source: isCollection });
    planNegation(
      p,
      (found) => {
        const key = p.newLocal();
        const value = p.newLocal();
        const block = p.into({ stmts: [] }, () =>
          p.frame.vars.scoped(() => {
            if (ev.key) p.frame.vars.set(ev.key.value, key);
            p.frame.vars.set(ev.value.value, value);
            planNegation(p, (k2) => planBody(p, ev.body, k2), found);
          }),
        );
        p.emit({ kind: 'Scan', source, key, value, block });
      },
      k,
    );
  });
}

/** sprintf with its values as JSON text (exact integers); see planCall. */
const SPRINTF_JSON = 'internal.sprintf_json';

const opText = (t: Term): string | undefined =>
  t.type === 'ref' && t.value.every((x, i) => (i === 0 ? x.type === 'var' : x.type === 'string'))
    ? t.value.map((x) => String((x as { value: unknown }).value)).join('.')
    : undefined;

/**
 * Plans a call expression. `replacement` is set when the call goes to a `with` replacement: its
 * arguments and the rest of the body stay in the current generation, but the replacement itself
 * runs without replacements (it calls the originals).
 */
function planCall(p: Planner, terms: Term[], e: Expr, k: Cont, replacement = false): void {
  const name = opText(terms[0]) ?? '';
  const args = terms.slice(1);
  if ((name === 'eq' || name === 'assign') && args.length === 2) {
    unify(p, args[0], args[1], k);
    return;
  }
  const mock = replacement ? undefined : p.gen.mocks.get(name);
  if (mock) {
    planMockedCall(p, mock, terms, e, k);
    return;
  }
  if ((name === 'equal' || name === 'neq') && args.length === 2 && !args.some((a) => hasUnbound(p, a))) {
    planTerms(p, args, ([a, b]) => {
      p.emit({ kind: name === 'equal' ? 'Equal' : 'NotEqual', a, b });
      k();
    });
    return;
  }
  const callee = resolveCallee(p.program.root, terms[0]);
  if (callee.kind === 'unknown') {
    p.bag.add('rego_type_error', `undefined function ${callee.name}`);
    p.fail();
    return;
  }
  const inputs = args.slice(0, callee.arity);
  const output = args.length > callee.arity ? args[callee.arity] : undefined;
  planTerms(p, inputs, (ops) => {
    const result = p.newLocal();
    if (
      callee.kind === 'builtin' &&
      callee.name === 'sprintf' &&
      isHostBuiltin('sprintf') &&
      ops.length === 2
    ) {
      // The SDK hands host builtins their operands through JSON.parse, which rounds integers past
      // 2^53; the runtime's json.marshal keeps every digit, so sprintf gets its values as text.
      const text = p.newLocal();
      p.useBuiltin('json.marshal');
      p.emit({ kind: 'Call', func: 'json.marshal', args: [ops[1]], result: text, loc: p.irLoc(e.loc) });
      p.useBuiltin(SPRINTF_JSON);
      p.emit({ kind: 'Call', func: SPRINTF_JSON, args: [ops[0], local(text)], result, loc: p.irLoc(e.loc) });
    } else if (callee.kind === 'builtin') {
      p.useBuiltin(callee.name);
      p.emit({ kind: 'Call', func: callee.name, args: ops, result, loc: p.irLoc(e.loc) });
      if (callee.void) return k();
    } else {
      const saved = p.gen;
      if (replacement) p.gen = p.withoutMocks();
      let func: string;
      try {
        func = p.funcName(callee.node);
      } finally {
        p.gen = saved;
      }
      p.emit({
        kind: 'Call',
        func,
        args: [local(0), local(1), ...ops, ...p.slotArgs()],
        result,
        loc: p.irLoc(e.loc),
      });
    }
    if (output && callee.kind === 'builtin' && lookupBuiltin(callee.name)?.relation) {
      // Relations (walk) return every output at once; each element is one solution.
      const key = p.newLocal();
      const value = p.newLocal();
      const block = p.into({ stmts: [] }, () => unifyLocal(p, output, value, k));
      p.emit({ kind: 'Scan', source: result, key, value, block });
      return;
    }
    if (output) return unifyLocal(p, output, result, k);
    truthy(p, local(result));
    k();
  });
}

/** A call whose function is replaced by `with f as <mock>`: another function, or a value. */
function planMockedCall(p: Planner, mock: Term, terms: Term[], e: Expr, k: Cont): void {
  const isFuncRef =
    mock.type === 'ref' &&
    resolveCallee(p.program.root, mock).kind !== 'unknown' &&
    opText(mock) !== undefined;
  if (isFuncRef) {
    planCall(p, [mock, ...terms.slice(1)], e, k, true);
    return;
  }
  const callee = resolveCallee(p.program.root, terms[0]);
  const arity = callee.kind === 'unknown' ? terms.length - 1 : callee.arity;
  const args = terms.slice(1);
  planTerms(p, args.slice(0, arity), (ops) =>
    planTerm(p, mock, (value) => {
      // The replaced call still needs defined arguments.
      for (const op of ops) if (op.type === 'local') p.emit({ kind: 'IsDefined', source: op.value });
      const output = args.length > arity ? args[arity] : undefined;
      if (output) return unifyLocal(p, output, p.toLocal(value), k);
      truthy(p, value);
      k();
    }),
  );
}
