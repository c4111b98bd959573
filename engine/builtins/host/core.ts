// TypeScript fallbacks for builtins OPA implements natively in its C runtime; they are used only
// while engine/wasm/runtime/natives.json lacks them. Sets arrive as arrays, so anything that must
// tell a set from an array (`count` of a set is fine, `type_name` of a set is not) belongs in C.
import { arr, fail, int, type Json, type JsonObject, num, obj, str, strs } from './args.js';
import { compareStrings, compareValues, deepEqual, numberText } from './values.js';

/** Go's encoding/json output: compact, keys sorted, `<>&` and U+2028/9 escaped. */
export function goJson(v: Json): string {
  if (v === null || typeof v !== 'object') {
    const text = typeof v === 'number' ? numberText(v) : JSON.stringify(v);
    return text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  const keys = Object.keys(v).sort(compareStrings);
  return `{${keys.map((k) => `${goJson(k)}:${goJson(v[k])}`).join(',')}}`;
}

const STD_B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const URL_B64 = /^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}==|[A-Za-z0-9_-]{3}=)?$/;

function b64Decode(s: string, url: boolean): string {
  const clean = s.replace(/[\r\n]/g, '');
  if (!(url ? URL_B64 : STD_B64).test(clean)) fail('illegal base64 data');
  return Buffer.from(clean, url ? 'base64url' : 'base64').toString('utf8');
}

/**
 * floor and ceil as opa (v1.22) computes them: from the truncated value, whose sign decides, zero
 * counting as non-negative — floor(-0.5) is 0 and ceil(-0.5) is 1 (the runtime's C does the same).
 */
export function opaFloor(x: number): number {
  if (Number.isInteger(x)) return x;
  const t = Math.trunc(x);
  return (t < 0 ? t - 1 : t) || 0;
}

export function opaCeil(x: number): number {
  if (Number.isInteger(x)) return x;
  const t = Math.trunc(x);
  return (t < 0 ? t : t + 1) || 0;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Go's strings.NewReplacer over sorted keys: at each position the first matching key wins. */
function replaceN(patterns: JsonObject, s: string): string {
  const keys = Object.keys(patterns).sort(compareStrings);
  const values = keys.map((k) => str(patterns[k], 'replacement'));
  let out = '';
  let i = 0;
  while (i <= s.length) {
    const k = keys.findIndex((key) => s.startsWith(key, i));
    if (k >= 0) {
      out += values[k];
      if (keys[k] !== '') {
        i += keys[k].length;
        continue;
      }
    }
    if (i < s.length) out += s[i];
    i++;
  }
  return out;
}

/** Keys named by `object.filter`/`object.remove`'s second operand (array, set or object). */
function keyList(v: unknown): string[] {
  const keys = Array.isArray(v) ? v : Object.keys(obj(v, 'keys'));
  return keys.map((k) => (typeof k === 'string' ? k : JSON.stringify(k)));
}

function objectGet(o: JsonObject, key: Json, dflt: Json): Json {
  if (!Array.isArray(key)) return Object.hasOwn(o, String(key)) ? o[String(key)] : dflt;
  let cur: Json = o;
  for (const k of key) {
    if (Array.isArray(cur) && typeof k === 'number' && Number.isInteger(k) && k >= 0 && k < cur.length) {
      cur = cur[k];
    } else if (
      cur !== null &&
      typeof cur === 'object' &&
      !Array.isArray(cur) &&
      Object.hasOwn(cur, String(k))
    ) {
      cur = cur[String(k)];
    } else {
      return dflt;
    }
  }
  return cur;
}

function range(from: number, to: number, step: number): number[] {
  if (step <= 0) fail('step must be a positive integer');
  const out: number[] = [];
  const count = Math.floor(Math.abs(to - from) / step) + 1;
  if (count > 1e7) fail('range too large');
  for (let i = 0; i < count; i++) out.push(from <= to ? from + i * step : from - i * step);
  return out;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : typeof v;
}

export const coreBuiltins = {
  format_int: (n: unknown, base: unknown) => {
    const b = int(base, 'base');
    if (![2, 8, 10, 16].includes(b)) fail('operand 2 must be one of {2, 8, 10, 16}');
    return BigInt(Math.trunc(num(n))).toString(b);
  },
  'json.marshal': (v: Json) => goJson(v),
  'json.unmarshal': (s: unknown) => JSON.parse(str(s)) as Json,
  'json.is_valid': (s: unknown) => {
    try {
      JSON.parse(str(s));
      return true;
    } catch {
      return false;
    }
  },
  'base64.encode': (s: unknown) => Buffer.from(str(s), 'utf8').toString('base64'),
  'base64.decode': (s: unknown) => b64Decode(str(s), false),
  'base64.is_valid': (s: unknown) => STD_B64.test(str(s).replace(/[\r\n]/g, '')),
  'base64url.encode': (s: unknown) => {
    const raw = Buffer.from(str(s), 'utf8').toString('base64url');
    return raw + '='.repeat((4 - (raw.length % 4)) % 4);
  },
  'base64url.encode_no_pad': (s: unknown) => Buffer.from(str(s), 'utf8').toString('base64url'),
  'base64url.decode': (s: unknown) => {
    const t = str(s);
    return b64Decode(t + '='.repeat((4 - (t.length % 4)) % 4), true);
  },
  'strings.replace_n': (patterns: unknown, s: unknown) => replaceN(obj(patterns, 'patterns'), str(s)),
  'strings.reverse': (s: unknown) => [...str(s)].reverse().join(''),
  'object.union_n': (objects: unknown) => {
    let acc: Json = {};
    for (const o of arr(objects)) acc = mergeObjects(acc, obj(o));
    return acc;
  },
  'object.union': (a: unknown, b: unknown) => mergeObjects(obj(a), obj(b)),
  'object.filter': (o: unknown, keys: unknown) => {
    const src = obj(o);
    const out: JsonObject = {};
    for (const k of keyList(keys)) if (Object.hasOwn(src, k)) out[k] = src[k];
    return out;
  },
  'object.remove': (o: unknown, keys: unknown) => {
    const out: JsonObject = { ...obj(o) };
    for (const k of keyList(keys)) delete out[k];
    return out;
  },
  'object.get': (o: unknown, key: Json, dflt: Json) => objectGet(obj(o), key, dflt),
  'object.keys': (o: unknown) => Object.keys(obj(o)).sort(compareStrings),
  split: (s: unknown, d: unknown) => {
    const delim = str(d);
    return delim === '' ? [...str(s)] : str(s).split(delim);
  },
  // Go's SplitN(x, d, n+1) keeps the first n parts of the full split; negative n the last |n|.
  'strings.split_n': (s: unknown, d: unknown, n: unknown) => {
    const delim = str(d);
    const parts = delim === '' ? [...str(s)] : str(s).split(delim);
    const k = int(n, 'n');
    return k >= 0 ? parts.slice(0, k) : parts.slice(Math.max(parts.length + k, 0));
  },
  concat: (d: unknown, xs: unknown) => strs(xs).join(str(d)),
  indexof: (s: unknown, sub: unknown) => runeIndexes(str(s), str(sub), true)[0] ?? -1,
  indexof_n: (s: unknown, sub: unknown) => {
    if (str(sub) === '') fail('empty search character');
    return runeIndexes(str(s), str(sub), false);
  },
  contains: (s: unknown, sub: unknown) => str(s).includes(str(sub)),
  startswith: (s: unknown, p: unknown) => str(s).startsWith(str(p)),
  endswith: (s: unknown, p: unknown) => str(s).endsWith(str(p)),
  lower: (s: unknown) => str(s).toLowerCase(),
  upper: (s: unknown) => str(s).toUpperCase(),
  replace: (s: unknown, old: unknown, neu: unknown) => {
    const o = str(old);
    const n = str(neu);
    return o === '' ? [...str(s)].map((c) => n + c).join('') + n : str(s).split(o).join(n);
  },
  substring: (s: unknown, start: unknown, length: unknown) => {
    const runes = [...str(s)];
    const from = int(start, 'offset');
    const len = int(length, 'length');
    if (from < 0) fail('negative offset');
    if (from >= runes.length) return '';
    return (len < 0 ? runes.slice(from) : runes.slice(from, from + len)).join('');
  },
  trim_space: (s: unknown) => str(s).replace(/^[\s\u0085]+|[\s\u0085]+$/gu, ''),
  sort: (xs: unknown) => [...arr(xs)].sort(compareValues),
  'array.slice': (xs: unknown, start: unknown, stop: unknown) => {
    const a = arr(xs);
    const from = Math.max(0, int(start, 'start'));
    const to = Math.min(a.length, int(stop, 'stop'));
    return from >= to ? [] : a.slice(from, to);
  },
  'array.concat': (a: unknown, b: unknown) => [...arr(a), ...arr(b)],
  'array.reverse': (a: unknown) => [...arr(a)].reverse(),
  'numbers.range': (a: unknown, b: unknown) => range(int(a), int(b), 1),
  'numbers.range_step': (a: unknown, b: unknown, step: unknown) => range(int(a), int(b), int(step, 'step')),
  type_name: (v: unknown) => typeName(v),
  to_number: (v: unknown) => {
    if (v === null) return 0;
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && DECIMAL.test(v)) return Number(v);
    return fail('operand 1 must be a number-like value');
  },
  abs: (n: unknown) => Math.abs(num(n)),
  ceil: (n: unknown) => opaCeil(num(n)),
  floor: (n: unknown) => opaFloor(num(n)),
  round: (n: unknown) => Math.sign(num(n)) * Math.round(Math.abs(num(n))),
  'internal.member_2': (x: Json, xs: unknown) => memberValues(xs).some((v) => deepEqual(v, x)),
};

function memberValues(xs: unknown): Json[] {
  if (Array.isArray(xs)) return xs;
  if (xs !== null && typeof xs === 'object') return Object.values(xs as JsonObject);
  return [];
}

function runeIndexes(s: string, sub: string, firstOnly: boolean): number[] {
  const out: number[] = [];
  let from = 0;
  for (;;) {
    const at = s.indexOf(sub, from);
    if (at < 0) break;
    out.push([...s.slice(0, at)].length);
    if (firstOnly) break;
    from = at + 1;
  }
  return out;
}

/** Recursive object merge where `b` wins, as object.union defines it. */
export function mergeObjects(a: JsonObject, b: JsonObject): JsonObject {
  const out: JsonObject = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    const both = (x: Json | undefined) => x !== null && typeof x === 'object' && !Array.isArray(x);
    out[k] = both(prev) && both(v) ? mergeObjects(prev as JsonObject, v as JsonObject) : v;
  }
  return out;
}
