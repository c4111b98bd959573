// A seeded generator of small Rego modules with data and input, for differential testing against
// the real opa: rules, partial sets and objects, functions, else, with, some/every, comprehensions,
// refs with variables and common builtins. Everything it writes compiles in opa (v1 syntax); runtime
// conflicts are avoided by construction (single definitions, unique object keys).
import { KEYWORDS } from '../syntax/tokens.js';

/** Mulberry32: a small, fast, seedable PRNG (the same seed gives the same cases everywhere). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

export interface GeneratedCase {
  /** The package (`g12`); the case's result is `data.<pkg>`. */
  pkg: string;
  source: string;
  /** The case's data, placed at `data.<dataKey>`. */
  dataKey: string;
  data: Record<string, unknown>;
  /** The case's input, placed at `input.<pkg>` (absent fields are part of the test). */
  input: Record<string, unknown>;
}

const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'admin', 'guest', 'db', 'prod', 'a-b', 'x y'];

function genData(r: Rng): Record<string, unknown> {
  const xs = Array.from({ length: r.int(0, 5) }, () => r.int(-3, 9));
  const ys = Array.from({ length: r.int(0, 4) }, () => r.pick(WORDS));
  const obj: Record<string, number> = {};
  for (let i = r.int(0, 4); i > 0; i--) obj[r.pick(WORDS)] = r.int(-2, 7);
  return { xs, ys, obj, nested: { a: { b: r.int(0, 5) }, list: [{ v: r.int(0, 3) }, { v: r.int(0, 3) }] } };
}

function genInput(r: Rng): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (r.chance(0.85)) out.n = r.int(-5, 10);
  if (r.chance(0.8)) out.s = r.pick(WORDS);
  if (r.chance(0.8)) out.arr = Array.from({ length: r.int(0, 4) }, () => r.int(0, 6));
  if (r.chance(0.7)) out.flag = r.chance(0.5);
  if (r.chance(0.6))
    out.obj = Object.fromEntries(Array.from({ length: r.int(0, 3) }, () => [r.pick(WORDS), r.int(0, 5)]));
  return out;
}

const FLIP: Record<string, string> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=', '==': '==', '!=': '!=' };

/**
 * `a op b`, never starting with a minus: opa reads a body line that starts with `-` as the
 * continuation of the line before (`x := y` + `-1 != z` is `x := y - 1 != z`).
 */
function compare(a: string, op: string, b: string): string {
  return a.startsWith('-') && !b.startsWith('-')
    ? `${b} ${FLIP[op]} ${a}`
    : a.startsWith('-')
      ? `${a.slice(1)} ${op} ${b}`
      : `${a} ${op} ${b}`;
}

/**
 * Keywords that may start a rule's ref head (`if.k1 := 2`) in Rego v1: all of them (the lexer's
 * list), sorted, but `contains`, which would shadow the builtin of that name, `with`, which after a
 * membership test (`x in xs`) continues that expression as a modifier, and `as`, which after an
 * import is its alias (errors in opa and in ours alike).
 */
const KEYWORD_HEADS = [...KEYWORDS.keys()].filter((k) => !['as', 'contains', 'with'].includes(k)).sort();

type Kind = 'int' | 'str' | 'bool' | 'intcoll' | 'strcoll' | 'obj' | 'any';

/** Builds expressions of a kind from the names in scope. */
class Exprs {
  /** Rules defined so far, by the kind of value they hold (only earlier rules are referenced). */
  readonly rules = new Map<Kind, string[]>();
  /** Unary functions over int defined so far. */
  readonly funcs: string[] = [];
  constructor(private readonly r: Rng) {}

  addRule(kind: Kind, name: string): void {
    const list = this.rules.get(kind) ?? [];
    list.push(name);
    this.rules.set(kind, list);
  }

  private ruleOf(kind: Kind): string | undefined {
    const l = this.rules.get(kind);
    return l && l.length > 0 && this.r.chance(0.35) ? this.r.pick(l) : undefined;
  }

  int(depth = 0): string {
    const r = this.r;
    const rule = this.ruleOf('int');
    if (rule) return rule;
    const leaf = () =>
      r.pick([
        () => String(r.int(-3, 12)),
        () => 'inp.n',
        () => 'dat.nested.a.b',
        () => `count(${this.intColl(depth + 1)})`,
        () => `count(dat.ys)`,
        () => `dat.xs[${r.int(0, 3)}]`,
        () => `object.get(dat.obj, ${JSON.stringify(r.pick(WORDS))}, ${r.int(0, 3)})`,
      ])();
    if (depth > 1) return leaf();
    return r.pick([
      leaf,
      leaf,
      () => `${this.int(depth + 1)} ${r.pick(['+', '-', '*'])} ${this.int(depth + 1)}`,
      () => `sum(${this.intColl(depth + 1)})`,
      () => `max(${this.intColl(depth + 1)})`,
      () => `abs(${this.int(depth + 1)})`,
      () => `count(${this.str(depth + 1)})`,
      () => (this.funcs.length > 0 ? `${r.pick(this.funcs)}(${this.int(depth + 1)})` : leaf()),
      () => `to_number(${JSON.stringify(String(r.int(0, 9)))})`,
      () => `${this.int(depth + 1)} % ${r.int(1, 4)}`,
      // Non-integers only meet rounding, sprintf and comparisons (see num()).
      () => `${r.pick(['round', 'ceil', 'floor'])}(${this.num(depth + 1)})`,
      () => `indexof(${this.str(depth + 1)}, "a")`,
      () => `count(numbers.range(${r.int(0, 3)}, ${r.int(0, 6)}))`,
    ])();
  }

  /**
   * A number that may not be an integer. It is never fed into further arithmetic: opa computes
   * with arbitrary-precision decimals (0.1 * 3 is 0.3), our runtime with doubles, a known gap.
   */
  num(depth = 0): string {
    const r = this.r;
    return r.pick([
      () => `${this.int(depth + 1)} / ${r.pick(['2', '3', '4', '0.5'])}`,
      () => `to_number(${JSON.stringify(r.pick(['2.5', '-1.25', '7', '0.1']))})`,
      () => this.int(depth + 1),
    ])();
  }

  str(depth = 0): string {
    const r = this.r;
    const rule = this.ruleOf('str');
    if (rule) return rule;
    const leaf = () =>
      r.pick([() => JSON.stringify(r.pick(WORDS)), () => 'inp.s', () => `dat.ys[${r.int(0, 2)}]`])();
    if (depth > 1) return leaf();
    return r.pick([
      leaf,
      leaf,
      () => `upper(${this.str(depth + 1)})`,
      () => `concat(${JSON.stringify(r.pick(['-', ',', '']))}, ${this.strColl(depth + 1)})`,
      () => `sprintf("%v-%d", [${this.str(depth + 1)}, ${this.int(depth + 1)}])`,
      () => `trim(${this.str(depth + 1)}, "a")`,
      () => `replace(${this.str(depth + 1)}, "a", "o")`,
      () => `substring(${this.str(depth + 1)}, ${r.int(0, 2)}, ${r.int(-1, 3)})`,
      () => `json.marshal(${this.any(depth + 1)})`,
      () => `sprintf("%.2f|%v|%x", [${this.num(depth + 1)}, ${this.num(depth + 1)}, ${r.int(0, 300)}])`,
      () => `strings.reverse(${this.str(depth + 1)})`,
      () => `base64.encode(${this.str(depth + 1)})`,
      () => `format_int(${r.int(0, 300)}, ${r.pick(['2', '8', '16'])})`,
    ])();
  }

  bool(depth = 0): string {
    const e = this.boolExpr(depth);
    // Never start a body line with a minus (see compare()).
    return e.startsWith('-') ? `true == (${e})` : e;
  }

  private boolExpr(depth: number): string {
    const r = this.r;
    const rule = this.ruleOf('bool');
    if (rule) return rule;
    return r.pick([
      () => compare(this.int(depth + 1), r.pick(['<', '>', '==', '!=', '>=', '<=']), this.int(depth + 1)),
      () => compare(this.num(depth + 1), r.pick(['<', '>', '>=', '<=']), this.int(depth + 1)),
      () => `${this.str(depth + 1)} == ${this.str(depth + 1)}`,
      () => `startswith(${this.str(depth + 1)}, ${JSON.stringify(r.pick(['a', 'g', 'd']))})`,
      () => `contains(${this.str(depth + 1)}, "a")`,
      () => `${this.int(depth + 1)} in ${this.intColl(depth + 1)}`,
      () => 'inp.flag',
      () => `is_number(inp.n)`,
      () => `not ${this.boolAtom(depth + 1)}`,
      () => `${this.str(depth + 1)} in dat.ys`,
      () => `regex.match(${JSON.stringify(r.pick(['^a', 'a+$', '[dg]', '^x y$']))}, ${this.str(depth + 1)})`,
      () => `glob.match(${JSON.stringify(r.pick(['a*', '*a', 'g?mma', 'x*y']))}, [], ${this.str(depth + 1)})`,
    ])();
  }

  /** A condition that may be written after `not`. */
  private boolAtom(depth: number): string {
    return this.r.pick([
      () => `${this.int(depth + 1)} > ${this.int(depth + 1)}`,
      () => 'inp.flag',
      () => `startswith(${this.str(depth + 1)}, "a")`,
      () => (this.funcs.length > 0 ? `${this.r.pick(this.funcs)}(${this.int(depth + 1)})` : 'inp.flag'),
    ])();
  }

  intColl(depth = 0): string {
    const r = this.r;
    const rule = this.ruleOf('intcoll');
    if (rule) return rule;
    const leaf = () =>
      r.pick(['dat.xs', 'inp.arr', `[${r.int(0, 3)}, ${r.int(0, 3)}, ${r.int(4, 6)}]`, '{1, 2, 3}']);
    if (depth > 1) return leaf();
    return r.pick([
      leaf,
      leaf,
      () =>
        `[y${depth} | some x${depth} in ${this.intColl(2)}; x${depth} > ${r.int(-1, 3)}; y${depth} := x${depth} * ${r.int(1, 3)}]`,
      () => `{x${depth} | some x${depth} in ${this.intColl(2)}; x${depth} != ${r.int(0, 3)}}`,
      () => `sort(${this.intColl(depth + 1)})`,
      () => `array.concat(${r.pick(['dat.xs', 'inp.arr'])}, [${r.int(0, 4)}])`,
      () => `array.slice(${r.pick(['dat.xs', 'inp.arr'])}, ${r.int(0, 2)}, ${r.int(1, 4)})`,
      () => `[h${depth} | some x${depth} in ${this.intColl(2)}; h${depth} := x${depth} * 2]`,
      () => `[v | some v in dat.obj]`,
      () => `[v | some k, v in dat.obj; startswith(k, "a")]`,
    ])();
  }

  strColl(depth = 0): string {
    const r = this.r;
    const rule = this.ruleOf('strcoll');
    if (rule) return rule;
    return r.pick([
      () => 'dat.ys',
      () => '["a", "b"]',
      () => `[upper(s) | some s in dat.ys]`,
      () => `{k | some k, _ in dat.obj}`,
      () => `split(${this.str(depth + 1)}, "a")`,
      () => `object.keys(dat.obj)`,
    ])();
  }

  obj(depth = 0): string {
    const r = this.r;
    const rule = this.ruleOf('obj');
    if (rule) return rule;
    return r.pick([
      () => 'dat.obj',
      () => `{k: w | some k, v in dat.obj; v > ${r.int(-1, 3)}; w := v * 2}`,
      () => `object.union(dat.obj, {"extra": ${this.int(depth + 1)}})`,
      () => `{"n": ${this.int(depth + 1)}, "s": ${this.str(depth + 1)}}`,
      () => `object.filter(dat.obj, ["admin", "db"])`,
      () => `object.remove(dat.obj, ["guest", "beta"])`,
    ])();
  }

  /**
   * `a and b` / `a or b` chains (operands: conditions, `{ body }` with locals, groups, `not`), with
   * `not { ... }` / `not (...)` where `notBodies`. Operands never begin with `{` unless a body, never
   * carry `with` or assign, as OPA requires.
   */
  logic(notBodies: boolean, depth = 0): string {
    const r = this.r;
    const operand = (): string =>
      r.pick([
        () => this.bool(1),
        () => this.bool(1),
        () => `{ v := ${this.int(1)}; ${compare('v', r.pick(['>', '<', '!=']), String(r.int(-1, 5)))} }`,
        () => (depth < 2 ? `(${this.logic(notBodies, depth + 1)})` : this.bool(1)),
        () => (notBodies ? `not { ${this.bool(1)}; ${this.bool(1)} }` : `not ${this.boolAtom(1)}`),
        () => (notBodies && depth < 2 ? `not (${this.logic(notBodies, depth + 1)})` : this.bool(1)),
      ])();
    let e = operand();
    for (let n = r.int(1, 3); n > 0; n--) e += ` ${r.pick(['and', 'or'])} ${operand()}`;
    return e;
  }

  /** A template string over values of every kind, an undefined ref and an escaped brace. */
  template(): string {
    const r = this.r;
    const part = (): string =>
      r.pick([
        () => `{${this.int(1)}}`,
        () => `{${this.str(1)}}`,
        () => `{${this.intColl(1)}}`,
        () => `{${this.obj(1)}}`,
        () => '{inp.missing}',
        () => `{${r.pick(['true', 'null', '42', '"lit"'])}}`,
        () => '\\{x}',
        () => r.pick(['a', ' - ', ': ']),
      ])();
    const text = Array.from({ length: r.int(1, 4) }, part).join(' ');
    return r.chance(0.3) ? `$\`${text}\`` : `$"${text}"`;
  }

  any(depth = 0): string {
    return this.r.pick([
      () => this.int(depth),
      () => this.str(depth),
      () => this.intColl(depth),
      () => this.obj(depth),
    ])();
  }
}

/** Generates case `index` of `seed`: one module in `package g<index>`. */
export function generateCase(seed: number, index: number): GeneratedCase {
  const r = new Rng((seed * 1_000_003 + index * 7919) >>> 0);
  const pkg = `g${index}`;
  const dataKey = `d${index}`;
  const ex = new Exprs(r);
  const lines: string[] = [
    `package ${pkg}`,
    '',
    `import data.${dataKey} as dat`,
    `import input.${pkg} as inp`,
    '',
  ];
  /** Future keywords the module's rules need imported. */
  const keywords = new Set<string>();
  const nrules = r.int(3, 8);
  for (let i = 0; i < nrules; i++) {
    const name = `r${i}`;
    const shape = r.pick([
      'complete',
      'complete',
      'cond',
      'default',
      'else',
      'set',
      'object',
      'func',
      'every',
      'with',
      'some',
      'negation',
      'refvar',
      'mock',
      'logic',
      'template',
      'keyword',
    ] as const);
    switch (shape) {
      case 'complete': {
        const kind = r.pick(['int', 'str', 'intcoll', 'obj'] as const);
        const v =
          kind === 'int'
            ? ex.int()
            : kind === 'str'
              ? ex.str()
              : kind === 'intcoll'
                ? ex.intColl()
                : ex.obj();
        lines.push(`${name} := ${v}`);
        ex.addRule(kind, name);
        break;
      }
      case 'cond':
        lines.push(`${name} if {`, `\t${ex.bool()}`, ...(r.chance(0.5) ? [`\t${ex.bool()}`] : []), '}');
        ex.addRule('bool', name);
        break;
      case 'default':
        lines.push(`default ${name} := ${r.int(0, 3)}`, `${name} := ${ex.int()} if ${ex.bool()}`);
        ex.addRule('int', name);
        break;
      case 'else':
        lines.push(
          `${name} := ${JSON.stringify(r.pick(WORDS))} if {`,
          `\t${ex.bool()}`,
          `} else := ${ex.str()} if {`,
          `\t${ex.bool()}`,
          `} else := "none"`,
        );
        ex.addRule('str', name);
        break;
      case 'set':
        lines.push(
          `${name} contains x if {`,
          `\tdomain := ${ex.intColl()}`,
          `\tsome x in domain`,
          `\tx ${r.pick(['>', '<', '!='])} ${ex.int()}`,
          '}',
        );
        ex.addRule('intcoll', name);
        break;
      case 'object':
        lines.push(`${name}[k] := v + ${r.int(0, 3)} if {`, `\tsome k, v in dat.obj`, `\t${ex.bool()}`, '}');
        ex.addRule('obj', name);
        break;
      case 'func': {
        const op = r.pick(['>', '<', '=='] as const);
        lines.push(`${name}(a) if a ${op} ${ex.int(2)}`);
        const fname = `f${i}`;
        lines.push(
          `${fname}(a) := a * ${r.int(1, 3)} + ${r.int(0, 2)} if a ${r.pick(['>', '<'])} ${r.int(-2, 4)}`,
        );
        ex.funcs.push(fname);
        lines.push(`c${i} := ${fname}(${ex.int()})`);
        lines.push(`b${i} if ${name}(${ex.int()})`);
        ex.addRule('int', `c${i}`);
        ex.addRule('bool', `b${i}`);
        break;
      }
      case 'every':
        lines.push(
          `${name} if {`,
          `\tdomain := ${r.chance(0.8) ? ex.intColl() : r.pick(['inp.n', 'inp.s', 'inp.obj'])}`,
          `\tevery x in domain {`,
          `\t\tx ${r.pick(['>', '<', '!='])} ${ex.int(2)}`,
          '\t}',
          '}',
        );
        ex.addRule('bool', name);
        break;
      case 'with': {
        if (r.chance(0.25)) {
          // The whole input replaced, and a var bound to it.
          lines.push(
            `${name} := v if {`,
            `\tv := input.${pkg} with input.${pkg} as {"n": ${r.int(0, 9)}}`,
            '}',
          );
          break;
        }
        const target = r.pick(['inp.n', 'inp.s', 'inp.flag', 'dat.xs']);
        const value =
          target === 'inp.n'
            ? String(r.int(-3, 9))
            : target === 'inp.s'
              ? JSON.stringify(r.pick(WORDS))
              : target === 'inp.flag'
                ? 'true'
                : '[1, 5, 9]';
        const full = target.startsWith('inp.')
          ? `input.${pkg}.${target.slice(4)}`
          : `data.${dataKey}.${target.slice(4)}`;
        const probe = ex.any();
        lines.push(`${name} := v if {`, `\tv := ${probe} with ${full} as ${value}`, '}');
        break;
      }
      case 'some':
        lines.push(
          `${name} contains [i, x] if {`,
          `\tdomain := ${ex.intColl()}`,
          `\tsome i, x in domain`,
          `\t${ex.bool(1)}`,
          '}',
        );
        break;
      case 'refvar':
        // Refs with variables: iteration through a data ref, and index lookups that may miss.
        if (r.chance(0.5)) {
          lines.push(
            `${name} contains v if {`,
            '\tsome k',
            '\tv := dat.obj[k]',
            `\t${compare('v', '>', String(r.int(-1, 4)))}`,
            '}',
          );
          ex.addRule('intcoll', name);
        } else {
          lines.push(`${name} := [x | some i in [0, 1, 2]; x := dat.nested.list[i].v]`);
          ex.addRule('intcoll', name);
        }
        break;
      case 'mock': {
        // `with` replacing a function by another one, and a builtin by a value.
        if (ex.funcs.length >= 2) {
          const [a, b] = [r.pick(ex.funcs), r.pick(ex.funcs)];
          lines.push(`${name} := v if {`, `\tv := ${a}(${r.int(-2, 5)}) with ${a} as ${b}`, '}');
        } else {
          lines.push(`${name} := v if {`, `\tv := count(dat.xs) with count as ${r.int(0, 9)}`, '}');
        }
        break;
      }
      case 'logic': {
        // Keywords are per module: `and`/`or` always, `not` bodies in some modules only.
        if (!keywords.has('not') && r.chance(0.3)) keywords.add('not');
        const notBodies = keywords.has('not');
        keywords.add('and').add('or');
        if (r.chance(0.7)) lines.push(`${name} if ${ex.logic(notBodies)}`);
        else {
          const op = r.pick(['and', 'or']);
          lines.push(
            `${name} := [x | some x in ${ex.intColl()}; ${compare('x', '>', String(r.int(0, 3)))} ${op} x != ${r.int(0, 4)}]`,
          );
          ex.addRule('intcoll', name);
          break;
        }
        ex.addRule('bool', name);
        break;
      }
      case 'template':
        lines.push(`${name} := ${ex.template()}`);
        ex.addRule('str', name);
        break;
      case 'keyword': {
        // A keyword starting a rule's ref head, read back where a literal starts.
        const kw = r.pick(KEYWORD_HEADS);
        lines.push(
          `${kw}.k${i} := ${ex.int()}`,
          `${name} if {`,
          `	${compare(`${kw}.k${i}`, '>', String(r.int(-1, 4)))}`,
          '}',
        );
        ex.addRule('bool', name);
        break;
      }
      case 'negation':
        lines.push(
          `${name} if not ${r.pick([
            'inp.flag',
            'inp.missing',
            `inp.n > ${r.int(0, 5)}`,
            'is_string(inp.missing)',
            'inp.missing == 1',
            `startswith(inp.s, "a")`,
            ...ex.funcs.map((f) => `${f}(inp.${r.pick(['n', 'missing'])})`),
            ...(ex.rules.get('bool') ?? []),
          ])}`,
        );
        ex.addRule('bool', name);
        break;
    }
  }
  for (const kw of [...keywords].sort().reverse()) lines.splice(4, 0, `import future.keywords.${kw}`);
  return { pkg, source: `${lines.join('\n')}\n`, dataKey, data: genData(r), input: genInput(r) };
}
