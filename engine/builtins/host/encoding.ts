// Encoding builtins: hex, URL query strings (Go's net/url rules), YAML (the `yaml` package in YAML
// 1.1 mode, as Go's yaml.v2 reads it), json.marshal_with_options and json.patch (RFC 6902 over
// values: sets arrive as RegoSet from our runtime, and a set member is addressed by its value).
import { createRequire } from 'node:module';
import { arr, fail, type Json, type JsonObject, obj, str, strs } from './args.js';
import { goJson } from './core.js';
import { RegoSet } from './runtime.js';
import { compareStrings, compareValues, deepEqual } from './values.js';

const require = createRequire(import.meta.url);
let yamlJs: typeof import('yaml') | undefined;

/** The YAML library, loaded by the first yaml.* call (most policies never make one). */
function yaml(): typeof import('yaml') {
  yamlJs ??= require('yaml') as typeof import('yaml');
  return yamlJs;
}

/** Go's url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === ' ') out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Go's url.QueryUnescape: `+` is a space, malformed `%` escapes are errors. */
export function queryUnescape(s: string): string {
  const bytes: number[] = [];
  const raw = Buffer.from(s, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i];
    if (b === 0x25) {
      const hex = raw.subarray(i + 1, i + 3).toString('latin1');
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) fail(`invalid URL escape ${JSON.stringify(`%${hex}`)}`);
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(b === 0x2b ? 0x20 : b);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function encodeObject(o: JsonObject): string {
  const parts: string[] = [];
  for (const key of Object.keys(o).sort(compareStrings)) {
    const v = o[key];
    const values = typeof v === 'string' ? [v] : strs(v, 'query value');
    for (const x of values) parts.push(`${queryEscape(key)}=${queryEscape(x)}`);
  }
  return parts.join('&');
}

function decodeObject(s: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of s.split('&')) {
    if (part === '') continue;
    if (part.includes(';')) fail('invalid semicolon separator in query');
    const eq = part.indexOf('=');
    const key = queryUnescape(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : queryUnescape(part.slice(eq + 1));
    out[key] ??= [];
    out[key].push(value);
  }
  return out;
}

/**
 * YAML → JSON-compatible value; YAML 1.1 as Go's yaml.v2 (`yes` is true). Of a stream of documents
 * the first is the value, and a syntax error in any of them is an error, as with OPA.
 */
function yamlToJson(text: string): Json {
  const docs = yaml().parseAllDocuments(text, { version: '1.1', uniqueKeys: true });
  if (!Array.isArray(docs) || docs.length === 0) return null;
  for (const doc of docs) if (doc.errors.length > 0) throw doc.errors[0];
  return JSON.parse(JSON.stringify(docs[0].toJS({ maxAliasCount: 100 }) ?? null)) as Json;
}

/** Go's json.MarshalIndent layout. */
function goJsonIndent(v: Json, prefix: string, indent: string, depth = 0): string {
  const nl = (d: number) => `\n${prefix}${indent.repeat(d)}`;
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${v.map((x) => nl(depth + 1) + goJsonIndent(x, prefix, indent, depth + 1)).join(',')}${nl(depth)}]`;
  }
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v).sort(compareStrings);
    if (keys.length === 0) return '{}';
    const body = keys.map(
      (k) => `${nl(depth + 1)}${goJson(k)}: ${goJsonIndent(v[k], prefix, indent, depth + 1)}`,
    );
    return `{${body.join(',')}${nl(depth)}}`;
  }
  return goJson(v);
}

function marshalWithOptions(v: Json, opts: JsonObject): string {
  for (const k of Object.keys(opts))
    if (!['pretty', 'indent', 'prefix'].includes(k)) fail(`unknown option ${k}`);
  const indent = opts.indent === undefined ? undefined : str(opts.indent, 'indent');
  const prefix = opts.prefix === undefined ? undefined : str(opts.prefix, 'prefix');
  if (opts.pretty !== undefined && typeof opts.pretty !== 'boolean') fail('pretty must be a boolean');
  const pretty = opts.pretty ?? (indent !== undefined || prefix !== undefined);
  if (!pretty) return goJson(v);
  // Go's MarshalIndent prefixes every line but the first; OPA adds the prefix to the first too.
  return (prefix ?? '') + goJsonIndent(v, prefix ?? '', indent ?? '\t');
}

type Container = Json[] | JsonObject | RegoSet;
/** A path step: a pointer segment (string) or, from an array path, any value (a set's member). */
type Key = Json;

/** A patch path: a JSON pointer (leading `/` optional, as OPA allows) or an array of keys. */
function pathOf(p: unknown): Key[] {
  if (Array.isArray(p)) return p as Key[];
  // OPA: only "" is the root; every leading `/` is dropped, so "/" names the key "".
  const s = str(p, 'path');
  if (s === '') return [];
  return s
    .replace(/^\/+/, '')
    .split('/')
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const keyText = (k: Key): string => (typeof k === 'string' ? k : JSON.stringify(k));
const showPath = (path: Key[]): string => `/${path.map(keyText).join('/')}`;

function isContainer(v: unknown): v is Container {
  return v !== null && typeof v === 'object';
}

function arrayIndex(a: Json[], key: Key, forInsert: boolean): number {
  const text = keyText(key);
  if (forInsert && text === '-') return a.length;
  if (!/^(0|[1-9]\d*)$/.test(text)) fail(`invalid array index ${text}`);
  const i = Number(text);
  if (i > a.length || (!forInsert && i === a.length)) fail(`array index ${text} out of range`);
  return i;
}

function clone(v: Json): Json {
  if (v instanceof RegoSet) return new RegoSet(v.items.map((x) => clone(x as Json))) as unknown as Json;
  if (Array.isArray(v)) return v.map(clone);
  if (v !== null && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, clone(x)]));
  return v;
}

/** The index of a set's member equal to `key` (a pointer segment is a string member). */
const memberIndex = (set: RegoSet, key: Key): number => set.items.findIndex((m) => deepEqual(m, key));

function getAt(doc: Json, path: Key[]): Json {
  let cur: Json = doc;
  for (const key of path) {
    if (Array.isArray(cur)) cur = cur[arrayIndex(cur, key, false)];
    else if (cur instanceof RegoSet && memberIndex(cur, key) >= 0)
      cur = cur.items[memberIndex(cur, key)] as Json;
    else if (isContainer(cur) && !(cur instanceof RegoSet) && Object.hasOwn(cur, keyText(key)))
      cur = cur[keyText(key)];
    else fail(`path ${showPath(path)} does not exist`);
  }
  return cur;
}

/** Applies `mutate` to the parent container of `path`; an empty path replaces the root. */
function withParent(doc: Json, path: Key[], mutate: (parent: Container, key: Key) => void): Json {
  if (path.length === 0) fail('cannot address the document root here');
  const parent = getAt(doc, path.slice(0, -1));
  if (!isContainer(parent)) fail('parent is not an object or array');
  mutate(parent, path[path.length - 1]);
  return doc;
}

function add(doc: Json, path: Key[], value: Json): Json {
  if (path.length === 0) return value;
  return withParent(doc, path, (parent, key) => {
    if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true), 0, value);
    else if (parent instanceof RegoSet) {
      // OPA: a set member is added at its own key.
      if (!deepEqual(key, value)) fail(`set key ${keyText(key)} does not match the value`);
      if (memberIndex(parent, key) < 0) parent.items.push(value);
      parent.items.sort(compareValues);
    } else parent[keyText(key)] = value;
  });
}

function remove(doc: Json, path: Key[]): Json {
  return withParent(doc, path, (parent, key) => {
    if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false), 1);
    else if (parent instanceof RegoSet && memberIndex(parent, key) >= 0)
      parent.items.splice(memberIndex(parent, key), 1);
    else if (!(parent instanceof RegoSet) && Object.hasOwn(parent, keyText(key))) delete parent[keyText(key)];
    else fail(`path ${showPath(path)} does not exist`);
  });
}

function jsonPatch(target: Json, patches: Json[]): Json {
  let doc = clone(target);
  for (const p of patches) {
    const op = obj(p, 'patch');
    if (!('path' in op)) fail("missing required attribute 'path'");
    if (!('op' in op)) fail("missing required attribute 'op'");
    const path = pathOf(op.path);
    switch (op.op) {
      case 'add':
        if (!('value' in op)) fail('add needs a value');
        doc = add(doc, path, clone(op.value));
        break;
      case 'remove':
        doc = remove(doc, path);
        break;
      case 'replace':
        if (!('value' in op)) fail('replace needs a value');
        getAt(doc, path);
        doc = path.length === 0 ? clone(op.value) : add(remove(doc, path), path, clone(op.value));
        break;
      case 'move': {
        if (!('from' in op)) fail("missing required attribute 'from'");
        const from = pathOf(op.from);
        const value = getAt(doc, from);
        doc = add(remove(doc, from), path, value);
        break;
      }
      case 'copy':
        if (!('from' in op)) fail("missing required attribute 'from'");
        doc = add(doc, path, clone(getAt(doc, pathOf(op.from))));
        break;
      case 'test':
        getAt(doc, path);
        if (!('value' in op)) fail("missing required attribute 'value'");
        if (!deepEqual(getAt(doc, path), op.value)) fail('test operation failed');
        break;
      default:
        fail(`unknown patch operation ${JSON.stringify(op.op)}`);
    }
  }
  return doc;
}

export const encodingBuiltins = {
  'hex.encode': (s: unknown) => Buffer.from(str(s), 'utf8').toString('hex'),
  'hex.decode': (s: unknown) => {
    const t = str(s);
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(t)) fail('invalid hex string');
    return Buffer.from(t, 'hex').toString('utf8');
  },
  'urlquery.encode': (s: unknown) => queryEscape(str(s)),
  'urlquery.decode': (s: unknown) => queryUnescape(str(s)),
  'urlquery.encode_object': (o: unknown) => encodeObject(obj(o)),
  'urlquery.decode_object': (s: unknown) => decodeObject(str(s)),
  'yaml.marshal': (v: Json) =>
    yaml().stringify(v, { version: '1.1', indentSeq: false, sortMapEntries: true }),
  'yaml.unmarshal': (s: unknown) => yamlToJson(str(s)),
  'yaml.is_valid': (s: unknown) => {
    if (typeof s !== 'string') return false;
    try {
      yamlToJson(s);
      return true;
    } catch {
      return false;
    }
  },
  'json.marshal_with_options': (v: Json, opts: unknown) => marshalWithOptions(v, obj(opts)),
  'json.patch': (doc: Json, patches: unknown) => jsonPatch(doc, arr(patches)),
};
