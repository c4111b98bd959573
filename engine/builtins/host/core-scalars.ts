// More TypeScript fallbacks for natively implemented builtins: trimming, bit operations (exact, on
// bigints), aggregates and type tests, and json.filter/json.remove. Not provided: is_set/is_array,
// which cannot be answered once the SDK has turned sets into arrays.
import { arr, fail, int, type Json, type JsonObject, num, obj, str } from './args.js';
import { compareValues } from './values.js';

function cutset(s: string, chars: string, left: boolean, right: boolean): string {
  const set = new Set(chars);
  const runes = [...s];
  let a = 0;
  let b = runes.length;
  while (left && a < b && set.has(runes[a])) a++;
  while (right && b > a && set.has(runes[b - 1])) b--;
  return runes.slice(a, b).join('');
}

const big = (v: unknown, what = 'operand'): bigint => BigInt(int(v, what));

function shift(v: unknown, by: unknown, left: boolean): bigint {
  const n = big(by, 'shift');
  if (n < 0n) fail('shift count must be non-negative');
  if (n > 4096n) fail('shift count too large');
  return left ? big(v) << n : big(v) >> n;
}

function extreme(xs: unknown, sign: number): Json | undefined {
  const a = arr(xs);
  if (a.length === 0) return undefined;
  return a.reduce((best, x) => (compareValues(x, best) * sign > 0 ? x : best));
}

type PathTree = Map<string, PathTree | true>;

/** Paths given as "a/b/c" strings or as arrays of keys, merged into a tree. */
function pathTree(paths: unknown): PathTree {
  const root: PathTree = new Map();
  for (const p of arr(paths, 'paths')) {
    const keys = Array.isArray(p)
      ? p.map((k) => (typeof k === 'string' ? k : JSON.stringify(k)))
      : str(p, 'path').replace(/^\//, '').split('/');
    let node = root;
    for (let i = 0; i < keys.length; i++) {
      const last = i === keys.length - 1;
      const cur = node.get(keys[i]);
      if (cur === true) break;
      if (last) node.set(keys[i], true);
      else {
        const next: PathTree = cur ?? new Map();
        node.set(keys[i], next);
        node = next;
      }
    }
  }
  return root;
}

function filterTree(v: Json, tree: PathTree): Json {
  if (Array.isArray(v)) {
    return v.flatMap((x, i) => {
      const t = tree.get(String(i));
      return t === undefined ? [] : [t === true ? x : filterTree(x, t)];
    });
  }
  if (v === null || typeof v !== 'object') return v;
  const out: JsonObject = {};
  for (const [k, t] of tree) if (Object.hasOwn(v, k)) out[k] = t === true ? v[k] : filterTree(v[k], t);
  return out;
}

function removeTree(v: Json, tree: PathTree): Json {
  if (Array.isArray(v)) {
    return v.flatMap((x, i) => {
      const t = tree.get(String(i));
      return t === true ? [] : [t === undefined ? x : removeTree(x, t)];
    });
  }
  if (v === null || typeof v !== 'object') return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    const t = tree.get(k);
    if (t !== true) out[k] = t === undefined ? x : removeTree(x, t);
  }
  return out;
}

export const scalarBuiltins = {
  trim: (s: unknown, c: unknown) => cutset(str(s), str(c), true, true),
  trim_left: (s: unknown, c: unknown) => cutset(str(s), str(c), true, false),
  trim_right: (s: unknown, c: unknown) => cutset(str(s), str(c), false, true),
  trim_prefix: (s: unknown, p: unknown) => (str(s).startsWith(str(p)) ? str(s).slice(str(p).length) : str(s)),
  trim_suffix: (s: unknown, p: unknown) =>
    str(p) !== '' && str(s).endsWith(str(p)) ? str(s).slice(0, -str(p).length) : str(s),
  'bits.and': (a: unknown, b: unknown) => big(a) & big(b),
  'bits.or': (a: unknown, b: unknown) => big(a) | big(b),
  'bits.xor': (a: unknown, b: unknown) => big(a) ^ big(b),
  'bits.negate': (a: unknown) => ~big(a),
  'bits.lsh': (a: unknown, b: unknown) => shift(a, b, true),
  'bits.rsh': (a: unknown, b: unknown) => shift(a, b, false),
  count: (v: unknown) => {
    if (typeof v === 'string') return [...v].length;
    if (Array.isArray(v)) return v.length;
    return Object.keys(obj(v)).length;
  },
  sum: (xs: unknown) => arr(xs).reduce<number>((acc, x) => acc + num(x), 0),
  product: (xs: unknown) => arr(xs).reduce<number>((acc, x) => acc * num(x), 1),
  max: (xs: unknown) => extreme(xs, 1),
  min: (xs: unknown) => extreme(xs, -1),
  is_string: (v: unknown) => typeof v === 'string',
  is_number: (v: unknown) => typeof v === 'number',
  is_boolean: (v: unknown) => typeof v === 'boolean',
  is_null: (v: unknown) => v === null,
  is_object: (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v),
  'json.filter': (o: unknown, paths: unknown) => filterTree(obj(o), pathTree(paths)),
  'json.remove': (o: unknown, paths: unknown) => removeTree(obj(o), pathTree(paths)),
};
