// Builtins for the IR interpreter (tests only): the core of OPA's list, in plain TypeScript.
// A BuiltinError makes the call undefined, like a non-strict builtin error in OPA's wasm target.

import { opaCeil, opaFloor } from '../builtins/host/core.js';
import {
  compare,
  equal,
  fromJSON,
  RObject,
  RSet,
  sortValues,
  toJSON,
  typeName,
  type Value,
} from './interp-values.js';

export class BuiltinError extends Error {}

type Impl = (...args: Value[]) => Value | undefined;

const fail = (msg: string): never => {
  throw new BuiltinError(msg);
};
const num = (v: Value): number => (typeof v === 'number' ? v : fail('operand must be number'));
const str = (v: Value): string => (typeof v === 'string' ? v : fail('operand must be string'));
const arr = (v: Value): Value[] => (Array.isArray(v) ? v : fail('operand must be array'));
const set = (v: Value): RSet => (v instanceof RSet ? v : fail('operand must be set'));
const obj = (v: Value): RObject => (v instanceof RObject ? v : fail('operand must be object'));
const elems = (v: Value): Value[] =>
  Array.isArray(v)
    ? v
    : v instanceof RSet
      ? v.values()
      : v instanceof RObject
        ? [...v.entries()].map((e) => e[1])
        : fail('operand must be a collection');

function arith(f: (a: number, b: number) => number): Impl {
  return (a, b) => {
    const r = f(num(a), num(b));
    return Number.isFinite(r) ? r : fail('arithmetic overflow');
  };
}

function sprintf(format: string, args: Value[]): string {
  let i = 0;
  return format.replace(/%([-+ 0#]*\d*(?:\.\d+)?)([vdsfgexXtqob%])/g, (_m, flags: string, verb: string) => {
    if (verb === '%') return '%';
    const a = args[i++];
    if (a === undefined) return `%!${verb}(MISSING)`;
    switch (verb) {
      case 'd':
        return typeof a === 'number' ? String(Math.trunc(a)) : `%!d(${typeName(a)})`;
      case 's':
        return typeof a === 'string' ? a : JSON.stringify(toJSON(a));
      case 'f': {
        const prec = /\.(\d+)/.exec(flags)?.[1];
        return num(a).toFixed(prec ? Number(prec) : 6);
      }
      case 'x':
        return typeof a === 'number' ? a.toString(16) : Buffer.from(str(a)).toString('hex');
      case 'q':
        return JSON.stringify(a);
      default:
        return typeof a === 'string' ? a : JSON.stringify(toJSON(a));
    }
  });
}

const B: Record<string, Impl> = {
  plus: arith((a, b) => a + b),
  minus: (a, b) => {
    if (a instanceof RSet && b instanceof RSet) return RSet.from(a.values().filter((x) => !b.has(x)));
    return arith((x, y) => x - y)(a, b);
  },
  mul: arith((a, b) => a * b),
  div: (a, b) => (num(b) === 0 ? fail('divide by zero') : num(a) / num(b)),
  rem: (a, b) => {
    const x = num(a);
    const y = num(b);
    if (!Number.isInteger(x) || !Number.isInteger(y)) fail('modulo on floating-point number');
    return y === 0 ? fail('modulo by zero') : x % y;
  },
  abs: (a) => Math.abs(num(a)),
  round: (a) => {
    const x = num(a);
    return x < 0 ? -Math.round(-x) : Math.round(x);
  },
  ceil: (a) => opaCeil(num(a)),
  floor: (a) => opaFloor(num(a)),
  lt: (a, b) => compare(a, b) < 0,
  lte: (a, b) => compare(a, b) <= 0,
  gt: (a, b) => compare(a, b) > 0,
  gte: (a, b) => compare(a, b) >= 0,
  equal: (a, b) => equal(a, b),
  neq: (a, b) => !equal(a, b),
  and: (a, b) =>
    RSet.from(
      set(a)
        .values()
        .filter((x) => set(b).has(x)),
    ),
  or: (a, b) => RSet.from([...set(a).values(), ...set(b).values()]),
  count: (a) => (typeof a === 'string' ? [...a].length : elems(a).length),
  sum: (a) => elems(a).reduce<number>((s, x) => s + num(x), 0),
  product: (a) => elems(a).reduce<number>((s, x) => s * num(x), 1),
  max: (a) => {
    const e = elems(a);
    return e.length ? sortValues(e)[e.length - 1] : undefined;
  },
  min: (a) => {
    const e = elems(a);
    return e.length ? sortValues(e)[0] : undefined;
  },
  sort: (a) => sortValues(Array.isArray(a) ? a : set(a).values()),
  all: (a) => elems(a).every((x) => x === true),
  any: (a) => elems(a).some((x) => x === true),
  'internal.member_2': (x, c) =>
    Array.isArray(c) || c instanceof RSet || c instanceof RObject ? elems(c).some((e) => equal(e, x)) : false,
  'internal.member_3': (k, v, c) => {
    if (Array.isArray(c)) return typeof k === 'number' && c[k] !== undefined && equal(c[k], v);
    if (c instanceof RObject) return c.has(k) && equal(c.get(k)!, v);
    return false;
  },
  concat: (d, xs) => elems(xs).map(str).join(str(d)),
  contains: (a, b) => str(a).includes(str(b)),
  startswith: (a, b) => str(a).startsWith(str(b)),
  endswith: (a, b) => str(a).endsWith(str(b)),
  lower: (a) => str(a).toLowerCase(),
  upper: (a) => str(a).toUpperCase(),
  split: (a, b) => str(a).split(str(b)),
  replace: (a, b, c) => str(a).split(str(b)).join(str(c)),
  'strings.replace_n': (m, s) => {
    let out = str(s);
    for (const [k, v] of obj(m).entries()) out = out.split(str(k)).join(str(v));
    return out;
  },
  'strings.reverse': (a) => [...str(a)].reverse().join(''),
  indexof: (a, b) => {
    const cps = [...str(a)];
    const needle = [...str(b)];
    for (let i = 0; i + needle.length <= cps.length; i++)
      if (needle.every((c, j) => cps[i + j] === c)) return i;
    return -1;
  },
  substring: (a, s, l) => {
    const cps = [...str(a)];
    const start = num(s);
    const len = num(l);
    if (start < 0) fail('negative offset');
    return (len < 0 ? cps.slice(start) : cps.slice(start, start + len)).join('');
  },
  trim: (a, c) => trimChars(str(a), str(c), true, true),
  trim_left: (a, c) => trimChars(str(a), str(c), true, false),
  trim_right: (a, c) => trimChars(str(a), str(c), false, true),
  trim_prefix: (a, p) => (str(a).startsWith(str(p)) ? str(a).slice(str(p).length) : str(a)),
  trim_suffix: (a, p) => (str(p) && str(a).endsWith(str(p)) ? str(a).slice(0, -str(p).length) : str(a)),
  trim_space: (a) => str(a).trim(),
  sprintf: (f, a) => sprintf(str(f), arr(a)),
  'internal.sprintf_json': (f, a) => sprintf(str(f), arr(fromJSON(JSON.parse(str(a))))),
  format_int: (n, b) => Math.trunc(num(n)).toString(num(b)),
  to_number: (a) => {
    if (a === null) return 0;
    if (typeof a === 'boolean') return a ? 1 : 0;
    if (typeof a === 'number') return a;
    const n = Number(str(a));
    return Number.isNaN(n) || str(a).trim() === '' ? fail('invalid number') : n;
  },
  'array.concat': (a, b) => [...arr(a), ...arr(b)],
  'array.slice': (a, s, e) => {
    const x = arr(a);
    const start = Math.max(0, num(s));
    const end = Math.min(x.length, num(e));
    return start > end ? [] : x.slice(start, end);
  },
  'array.reverse': (a) => [...arr(a)].reverse(),
  'object.get': (o, k, d) => {
    if (Array.isArray(k)) {
      let cur: Value | undefined = obj(o);
      for (const seg of k) {
        if (cur instanceof RObject) cur = cur.get(seg);
        else if (Array.isArray(cur) && typeof seg === 'number') cur = cur[seg];
        else cur = undefined;
        if (cur === undefined) return d;
      }
      return cur;
    }
    return obj(o).get(k) ?? d;
  },
  'object.keys': (o) => RSet.from(obj(o).keys()),
  'object.remove': (o, ks) => {
    const drop = Array.isArray(ks) || ks instanceof RSet ? elems(ks) : obj(ks).keys();
    return RObject.from([...obj(o).entries()].filter(([k]) => !drop.some((d) => equal(d, k))));
  },
  'object.union': (a, b) => unionObj(obj(a), obj(b)),
  'object.union_n': (xs) => arr(xs).reduce<Value>((acc, x) => unionObj(obj(acc), obj(x)), new RObject()),
  'object.filter': (o, ks) => {
    const keep = Array.isArray(ks) || ks instanceof RSet ? elems(ks) : obj(ks).keys();
    return RObject.from([...obj(o).entries()].filter(([k]) => keep.some((d) => equal(d, k))));
  },
  union: (xs) =>
    RSet.from(
      set(xs)
        .values()
        .flatMap((x) => set(x).values()),
    ),
  intersection: (xs) => {
    const sets = set(xs).values().map(set);
    if (!sets.length) return new RSet();
    return RSet.from(sets[0].values().filter((x) => sets.every((s) => s.has(x))));
  },
  is_number: (a) => typeof a === 'number',
  is_string: (a) => typeof a === 'string',
  is_boolean: (a) => typeof a === 'boolean',
  is_array: (a) => Array.isArray(a),
  is_set: (a) => a instanceof RSet,
  is_object: (a) => a instanceof RObject,
  is_null: (a) => a === null,
  type_name: (a) => typeName(a),
  'numbers.range': (a, b) => {
    const x = num(a);
    const y = num(b);
    const out: number[] = [];
    if (x <= y) for (let i = x; i <= y; i++) out.push(i);
    else for (let i = x; i >= y; i--) out.push(i);
    return out;
  },
  'json.marshal': (a) => JSON.stringify(toJSON(a)),
  'json.unmarshal': (a) => {
    try {
      return fromJSON(JSON.parse(str(a)));
    } catch {
      return fail('invalid json');
    }
  },
  'json.is_valid': (a) => {
    try {
      JSON.parse(str(a));
      return true;
    } catch {
      return false;
    }
  },
  // Output is not captured by the interpreter; print only has to succeed.
  print: () => true,
  'internal.print': () => true,
  'internal.cover': () => true,
  'json.filter': (o, paths) => jsonFilter(obj(o), pathTree(paths)),
  'json.remove': (o, paths) => jsonRemove(obj(o), pathTree(paths)) ?? new RObject(),
  'base64.encode': (a) => Buffer.from(str(a)).toString('base64'),
  'base64.decode': (a) => Buffer.from(str(a), 'base64').toString(),
  'base64url.encode': (a) => Buffer.from(str(a)).toString('base64url'),
  'base64url.decode': (a) => Buffer.from(str(a), 'base64url').toString(),
  'regex.match': (p, s) => new RegExp(str(p), 'u').test(str(s)),
  re_match: (p, s) => new RegExp(str(p), 'u').test(str(s)),
  'regex.split': (p, s) => str(s).split(new RegExp(str(p), 'u')),
  'regex.is_valid': (p) => {
    try {
      new RegExp(str(p), 'u');
      return true;
    } catch {
      return false;
    }
  },
  'bits.and': (a, b) => num(a) & num(b),
  'bits.or': (a, b) => num(a) | num(b),
  'bits.xor': (a, b) => num(a) ^ num(b),
  'bits.negate': (a) => ~num(a),
  'bits.lsh': (a, b) => num(a) * 2 ** num(b),
  'bits.rsh': (a, b) => Math.floor(num(a) / 2 ** num(b)),
  walk: (x) => {
    const out: Value[] = [];
    const visit = (path: Value[], v: Value): void => {
      out.push([path, v]);
      if (Array.isArray(v)) for (const [i, e] of v.entries()) visit([...path, i], e);
      else if (v instanceof RObject) for (const [k, e] of v.entries()) visit([...path, k], e);
      else if (v instanceof RSet) for (const e of v.values()) visit([...path, e], e);
    };
    visit([], x);
    return out;
  },
};

/** json.filter/json.remove paths: "a/b" strings or arrays of segments, as a prefix tree. */
interface PathTree {
  leaf: boolean;
  kids: Map<string, PathTree>;
}

function pathTree(paths: Value): PathTree {
  const root: PathTree = { leaf: false, kids: new Map() };
  for (const p of elems(paths)) {
    const segs: Value[] =
      typeof p === 'string'
        ? p
            .replace(/^\//, '')
            .split('/')
            .filter((x) => x !== '')
        : Array.isArray(p)
          ? p
          : fail('bad path');
    let node = root;
    for (const seg of segs) {
      const key = typeof seg === 'string' ? seg : JSON.stringify(toJSON(seg));
      let next = node.kids.get(key);
      if (!next) {
        next = { leaf: false, kids: new Map() };
        node.kids.set(key, next);
      }
      node = next;
    }
    node.leaf = true;
  }
  return root;
}

const segKey = (k: Value): string =>
  typeof k === 'string' ? k : typeof k === 'number' ? String(k) : JSON.stringify(toJSON(k));

function jsonFilter(v: Value, t: PathTree): Value {
  if (t.leaf) return v;
  if (v instanceof RObject) {
    const out = new RObject();
    for (const [k, x] of v.entries()) {
      const sub = t.kids.get(segKey(k));
      if (sub) out.set(k, jsonFilter(x, sub));
    }
    return out;
  }
  if (Array.isArray(v))
    return v.flatMap((x, i) => (t.kids.has(String(i)) ? [jsonFilter(x, t.kids.get(String(i))!)] : []));
  if (v instanceof RSet) return RSet.from(v.values().filter((x) => t.kids.has(segKey(x))));
  return v;
}

function jsonRemove(v: Value, t: PathTree): Value | undefined {
  if (t.leaf) return undefined;
  if (v instanceof RObject) {
    const out = new RObject();
    for (const [k, x] of v.entries()) {
      const sub = t.kids.get(segKey(k));
      const r = sub ? jsonRemove(x, sub) : x;
      if (r !== undefined) out.set(k, r);
    }
    return out;
  }
  if (Array.isArray(v)) {
    const out: Value[] = [];
    v.forEach((x, i) => {
      const sub = t.kids.get(String(i));
      const r = sub ? jsonRemove(x, sub) : x;
      if (r !== undefined) out.push(r);
    });
    return out;
  }
  if (v instanceof RSet) return RSet.from(v.values().filter((x) => !t.kids.get(segKey(x))?.leaf));
  return v;
}

function trimChars(s: string, cut: string, left: boolean, right: boolean): string {
  const chars = new Set([...cut]);
  const cps = [...s];
  let i = 0;
  let j = cps.length;
  if (left) while (i < j && chars.has(cps[i])) i++;
  if (right) while (j > i && chars.has(cps[j - 1])) j--;
  return cps.slice(i, j).join('');
}

function unionObj(a: RObject, b: RObject): RObject {
  const out = RObject.from(a.entries());
  for (const [k, v] of b.entries()) {
    const cur = out.get(k);
    out.set(k, cur instanceof RObject && v instanceof RObject ? unionObj(cur, v) : v);
  }
  return out;
}

export const BUILTIN_IMPLS: Readonly<Record<string, Impl>> = B;
