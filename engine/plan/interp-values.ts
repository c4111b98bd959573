// Plain-JS Rego values for the IR interpreter: objects and sets keyed by a canonical encoding,
// OPA's total order, and JSON conversion (sets dump as arrays, non-string keys as JSON text).
import type { Term } from '../syntax/ast.js';

export type Value = null | boolean | number | string | Value[] | RObject | RSet;

/** A canonical string for a value: equal Rego values (1 and 1.0 too) get equal keys. */
export function canon(v: Value): string {
  if (v === null) return 'n';
  switch (typeof v) {
    case 'boolean':
      return v ? 't' : 'f';
    case 'number':
      return `#${Object.is(v, -0) ? 0 : v}`;
    case 'string':
      return `s${JSON.stringify(v)}`;
  }
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v instanceof RSet) return `<${[...v.m.keys()].sort().join(',')}>`;
  return `{${[...v.m.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, [, val]]) => `${k}:${canon(val)}`)
    .join(',')}}`;
}

export class RObject {
  readonly m = new Map<string, [Value, Value]>();
  get(k: Value): Value | undefined {
    return this.m.get(canon(k))?.[1];
  }
  set(k: Value, v: Value): void {
    this.m.set(canon(k), [k, v]);
  }
  has(k: Value): boolean {
    return this.m.has(canon(k));
  }
  delete(k: Value): void {
    this.m.delete(canon(k));
  }
  get size(): number {
    return this.m.size;
  }
  *entries(): IterableIterator<[Value, Value]> {
    for (const e of this.m.values()) yield e;
  }
  keys(): Value[] {
    return [...this.m.values()].map(([k]) => k);
  }
  static from(entries: Iterable<[Value, Value]>): RObject {
    const o = new RObject();
    for (const [k, v] of entries) o.set(k, v);
    return o;
  }
}

export class RSet {
  readonly m = new Map<string, Value>();
  add(v: Value): void {
    this.m.set(canon(v), v);
  }
  has(v: Value): boolean {
    return this.m.has(canon(v));
  }
  get size(): number {
    return this.m.size;
  }
  values(): Value[] {
    return [...this.m.values()];
  }
  static from(vs: Iterable<Value>): RSet {
    const s = new RSet();
    for (const v of vs) s.add(v);
    return s;
  }
}

const rank = (v: Value): number => {
  if (v === null) return 0;
  switch (typeof v) {
    case 'boolean':
      return 1;
    case 'number':
      return 2;
    case 'string':
      return 3;
  }
  if (Array.isArray(v)) return 4;
  return v instanceof RObject ? 5 : 6;
};

/** OPA's total order: null < booleans < numbers < strings < arrays < objects < sets. */
export function compare(a: Value, b: Value): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
      return 0;
    case 1:
    case 2:
      return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 3:
      return a! < b! ? -1 : a! > b! ? 1 : 0;
    case 4: {
      const x = a as Value[];
      const y = b as Value[];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compare(x[i], y[i]);
        if (c) return c;
      }
      return x.length - y.length;
    }
    case 5: {
      const x = sortedEntries(a as RObject);
      const y = sortedEntries(b as RObject);
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compare(x[i][0], y[i][0]) || compare(x[i][1], y[i][1]);
        if (c) return c;
      }
      return x.length - y.length;
    }
    default: {
      const x = sortValues((a as RSet).values());
      const y = sortValues((b as RSet).values());
      return compare(x, y);
    }
  }
}

export const equal = (a: Value, b: Value): boolean => canon(a) === canon(b);

export function sortValues(vs: Value[]): Value[] {
  return [...vs].sort(compare);
}

export function sortedEntries(o: RObject): [Value, Value][] {
  return [...o.entries()].sort((x, y) => compare(x[0], y[0]));
}

export function fromJSON(x: unknown): Value {
  if (x === null || x === undefined) return null;
  if (typeof x === 'bigint') return Number(x);
  if (typeof x === 'boolean' || typeof x === 'number' || typeof x === 'string') return x;
  if (Array.isArray(x)) return x.map(fromJSON);
  if (x instanceof RObject || x instanceof RSet) return x;
  const o = new RObject();
  for (const [k, v] of Object.entries(x as Record<string, unknown>)) o.set(k, fromJSON(v));
  return o;
}

/** JSON form as opa_json_dump writes it: sets become sorted arrays, non-string keys JSON text. */
export function toJSON(v: Value): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(toJSON);
  if (v instanceof RSet) return sortValues(v.values()).map(toJSON);
  const out: Record<string, unknown> = {};
  for (const [k, val] of sortedEntries(v))
    out[typeof k === 'string' ? k : JSON.stringify(toJSON(k))] = toJSON(val);
  return out;
}

export function typeName(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return 'boolean';
    case 'number':
      return 'number';
    case 'string':
      return 'string';
  }
  if (Array.isArray(v)) return 'array';
  return v instanceof RObject ? 'object' : 'set';
}

/** The value of a ground term (e.g. a parsed `input_term`); undefined when it is not ground. */
export function valueFromTerm(t: Term): Value | undefined {
  switch (t.type) {
    case 'null':
      return null;
    case 'boolean':
    case 'string':
      return t.value;
    case 'number':
      return Number(t.value);
    case 'array': {
      const out: Value[] = [];
      for (const x of t.value) {
        const v = valueFromTerm(x);
        if (v === undefined) return undefined;
        out.push(v);
      }
      return out;
    }
    case 'set': {
      const vs = t.value.map(valueFromTerm);
      return vs.some((v) => v === undefined) ? undefined : RSet.from(vs as Value[]);
    }
    case 'object': {
      const o = new RObject();
      for (const [k, x] of t.value) {
        const kv = valueFromTerm(k);
        const xv = valueFromTerm(x);
        if (kv === undefined || xv === undefined) return undefined;
        o.set(kv, xv);
      }
      return o;
    }
    default:
      return undefined;
  }
}
