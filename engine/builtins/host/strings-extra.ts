// Assorted builtins: prefix/suffix matching, strings.count, object.subset, graphs, UUIDs, rand.intn,
// the deprecated casts and all/any, opa.runtime and trace.
import { randomInt, randomUUID } from 'node:crypto';
import { arr, fail, int, type Json, type JsonObject, obj, str, strOrStrs } from './args.js';
import { EvalCache, RegoSet } from './runtime.js';
import { renderTemplate } from './template.js';
import { compareValues, deepEqual } from './values.js';

const isObject = (v: Json): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Sorted without duplicates: what a set looks like after the SDK's JSON round trip. */
function looksLikeSet(a: Json[]): boolean {
  return a.every((v, i) => i === 0 || compareValues(a[i - 1], v) < 0);
}

/**
 * object.subset. Sets arrive as sorted arrays, so an array that looks like a set is matched by
 * membership and any other array as a contiguous sub-array (OPA's rule for arrays).
 */
function isSubset(sup: Json, sub: Json): boolean {
  if (isObject(sup)) {
    if (!isObject(sub)) return false;
    return Object.entries(sub).every(([k, v]) => Object.hasOwn(sup, k) && isSubset(sup[k], v));
  }
  if (Array.isArray(sup)) {
    if (!Array.isArray(sub)) return false;
    if (looksLikeSet(sup) && looksLikeSet(sub)) return sub.every((x) => sup.some((y) => deepEqual(x, y)));
    for (let i = 0; i + sub.length <= sup.length; i++) {
      if (sub.every((x, j) => deepEqual(sup[i + j], x))) return true;
    }
    return false;
  }
  return deepEqual(sup, sub);
}

function edges(graph: JsonObject, node: Json): Json[] {
  const key = typeof node === 'string' ? node : JSON.stringify(node);
  const e = graph[key];
  return Array.isArray(e) ? e : [];
}

const keyOf = (node: Json): string => (typeof node === 'string' ? node : JSON.stringify(node));

function reachable(graph: JsonObject, initial: Json[]): RegoSet {
  const seen = new Map<string, Json>();
  const queue = initial.filter((n) => Object.hasOwn(graph, keyOf(n)));
  while (queue.length > 0) {
    const n = queue.shift() as Json;
    if (seen.has(keyOf(n)) || !Object.hasOwn(graph, keyOf(n))) continue;
    seen.set(keyOf(n), n);
    queue.push(...edges(graph, n));
  }
  return new RegoSet(seen.values());
}

/**
 * graph.reachable_paths as OPA builds them: depth first from each initial node in the graph, a
 * path ends at a node without edges, before a neighbour outside the graph, or where a neighbour is
 * already on the path (a cycle); every such path is in the result.
 */
function reachablePaths(graph: JsonObject, initial: Json[]): RegoSet {
  const out: Json[][] = [];
  const has = (n: Json) => Object.hasOwn(graph, keyOf(n));
  const walk = (node: Json, path: Json[], onPath: ReadonlySet<string>) => {
    if (!has(node)) {
      out.push(path);
      return;
    }
    const here = [...path, node];
    const next = edges(graph, node);
    if (next.length === 0) {
      out.push(here);
      return;
    }
    const reached = new Set(onPath).add(keyOf(node));
    for (const n of next) {
      if (reached.has(keyOf(n))) out.push(here);
      else walk(n, here, reached);
    }
  };
  for (const n of initial) {
    if (!has(n)) continue;
    const next = edges(graph, n);
    if (next.length === 0) out.push([n]);
    for (const m of next) walk(m, [n], new Set([keyOf(n)]));
  }
  return new RegoSet(out);
}

/** Go's strings.Count: non-overlapping occurrences; an empty needle counts rune boundaries. */
function countSubstrings(s: string, sub: string): number {
  if (sub === '') return [...s].length + 1;
  let n = 0;
  for (let i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length)) n++;
  return n;
}

const rands = new EvalCache<number>();
const uuids = new EvalCache<string>();

/** uuid.parse: the RFC 4122 fields OPA reports (time-based fields for versions 1 and 2). */
function parseUuid(text: string): JsonObject {
  // google/uuid's Parse, on bytes: 36 chars with dashes, `urn:uuid:` (any case) + 36, any two
  // wrapping chars + 36 (only the inner 36 are read), or 32 hex digits.
  let s = Buffer.from(text, 'utf8').toString('latin1');
  if (s.length === 45 && s.slice(0, 9).toLowerCase() === 'urn:uuid:') s = s.slice(9);
  else if (s.length === 38) s = s.slice(1, 37);
  const m =
    s.length === 36
      ? /^([0-9a-fA-F]{8})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{12})$/.exec(s)
      : /^([0-9a-fA-F]{32})$/.exec(s);
  if (!m) fail(`invalid UUID ${JSON.stringify(text)}`);
  const bytes = Buffer.from(m.slice(1).join(''), 'hex');
  const version = bytes[6] >> 4;
  const v = bytes[8];
  const variant =
    (v & 0xc0) === 0x80
      ? 'RFC4122'
      : (v & 0x80) === 0
        ? 'Reserved'
        : (v & 0xe0) === 0xc0
          ? 'Microsoft'
          : 'Future';
  const out: JsonObject = { version, variant };
  if (version === 1 || version === 2) {
    const low = BigInt(bytes.readUInt32BE(0));
    const mid = BigInt(bytes.readUInt16BE(4));
    const hi = BigInt(bytes.readUInt16BE(6) & 0x0fff);
    const ticks = (hi << 48n) | (mid << 32n) | low;
    // 100 ns ticks since 1582-10-15 → Unix nanoseconds.
    out.time = Number((ticks - 122_192_928_000_000_000n) * 100n);
    out.clocksequence = bytes.readUInt16BE(8) & 0x3fff;
    out.nodeid = [...bytes.subarray(10)].map((b) => b.toString(16).padStart(2, '0')).join('-');
    out.macvariables = `${bytes[10] & 2 ? 'local' : 'global'}:${bytes[10] & 1 ? 'multicast' : 'unicast'}`;
    if (version === 2) {
      out.id = Number(low);
      out.domain = ['Person', 'Group', 'Org'][bytes[9]] ?? `Domain${bytes[9]}`;
    }
  }
  return out;
}

function castBool(v: Json): boolean {
  if (typeof v !== 'boolean') fail('not a boolean');
  return v;
}

export const extraBuiltins = {
  'strings.any_prefix_match': (search: unknown, base: unknown) => {
    const bases = strOrStrs(base);
    return strOrStrs(search).some((s) => bases.some((b) => s.startsWith(b)));
  },
  'strings.any_suffix_match': (search: unknown, base: unknown) => {
    const bases = strOrStrs(base);
    return strOrStrs(search).some((s) => bases.some((b) => s.endsWith(b)));
  },
  'strings.count': (s: unknown, sub: unknown) => countSubstrings(str(s), str(sub)),
  // OPA replaces Go's `<no value>` in the whole output, template text included.
  'strings.render_template': (template: unknown, vars: unknown) =>
    renderTemplate(str(template), obj(vars)).replaceAll('<no value>', '<undefined>'),
  'object.subset': (sup: Json, sub: Json) => {
    if (!(isObject(sup) || Array.isArray(sup)) || !(isObject(sub) || Array.isArray(sub))) {
      fail('operands must be objects, arrays or sets');
    }
    return isSubset(sup, sub);
  },
  'graph.reachable': (graph: unknown, initial: unknown) => reachable(obj(graph), arr(initial)),
  'graph.reachable_paths': (graph: unknown, initial: unknown) => reachablePaths(obj(graph), arr(initial)),
  'uuid.rfc4122': (seed: unknown) => uuids.get(str(seed), () => randomUUID()),
  'uuid.parse': (s: unknown) => parseUuid(str(s)),
  'rand.intn': (seed: unknown, n: unknown) => {
    const max = Math.abs(int(n));
    return rands.get(`${str(seed)}\u0000${max}`, () => (max === 0 ? 0 : randomInt(0, max)));
  },
  'opa.runtime': () => ({}),
  trace: (note: unknown) => {
    str(note);
    return true;
  },
  all: (xs: unknown) => arr(xs).every((x) => x === true),
  any: (xs: unknown) => arr(xs).some((x) => x === true),
  cast_array: (v: unknown) => arr(v),
  cast_set: (v: unknown) => new RegoSet(arr(v)),
  cast_string: (v: unknown) => str(v),
  cast_boolean: (v: Json) => castBool(v),
  cast_null: (v: Json) => (v === null ? null : fail('not null')),
  cast_object: (v: unknown) => obj(v),
};
