// Field ownership for server-side apply: field sets in the FieldsV1 form of metadata.managedFields,
// ownership changes on Update, and Apply's merge, conflict detection and removal of dropped fields.
import type { ListStrategyLookup } from './resource-types.js';

type JsonObject = Record<string, unknown>;

/** One path element as FieldsV1 spells it: `f:name`, `k:{"name":"x"}`, `v:"a"`. */
type PathElement = string;
/** JSON of the PathElement array; values: canonical JSON of the leaf, '' for list-item nodes. */
export type FieldMap = Map<string, string>;

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

export interface Conflict {
  manager: string;
  apiVersion: string;
  path: string;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function canonical(v: unknown): string {
  const sort = (x: unknown): unknown =>
    Array.isArray(x)
      ? x.map(sort)
      : isObject(x)
        ? Object.fromEntries(
            Object.keys(x)
              .sort()
              .map((k) => [k, sort(x[k])]),
          )
        : x;
  return JSON.stringify(sort(v));
}

/** Metadata fields the server owns; nobody manages them. */
const SERVER_META = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
  'generateName',
]);

function itemKey(item: unknown, keys: string[]): PathElement {
  const obj = isObject(item) ? item : {};
  const key: JsonObject = {};
  for (const k of keys) if (obj[k] !== undefined) key[k] = obj[k];
  return `k:${JSON.stringify(key)}`;
}

/**
 * The fields an object sets, for one part of it: `main` covers everything but status when the
 * kind has a status subresource, `status` only status, `all` everything.
 */
export function fieldMap(
  obj: unknown,
  lookup: ListStrategyLookup,
  part: 'main' | 'status' | 'all',
): FieldMap {
  const out: FieldMap = new Map();
  const walk = (value: unknown, elems: PathElement[], props: string[]): void => {
    if (isObject(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) walk(v, [...elems, `f:${k}`], [...props, k]);
      return;
    }
    if (Array.isArray(value) && value.length > 0) {
      const strategy = lookup(props);
      if (strategy.type === 'map') {
        for (const item of value) {
          const itemElems = [...elems, itemKey(item, strategy.keys)];
          out.set(JSON.stringify(itemElems), '');
          if (isObject(item))
            for (const [k, v] of Object.entries(item)) walk(v, [...itemElems, `f:${k}`], [...props, k]);
        }
        return;
      }
      if (strategy.type === 'set') {
        for (const item of value) out.set(JSON.stringify([...elems, `v:${canonical(item)}`]), '');
        return;
      }
    }
    out.set(JSON.stringify(elems), canonical(value));
  };
  if (!isObject(obj)) return out;
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind') continue;
    if (part === 'status' && k !== 'status') continue;
    if (part === 'main' && k === 'status') continue;
    if (k === 'metadata' && isObject(v)) {
      for (const [mk, mv] of Object.entries(v))
        if (!SERVER_META.has(mk)) walk(mv, ['f:metadata', `f:${mk}`], ['metadata', mk]);
      continue;
    }
    walk(v, [`f:${k}`], [k]);
  }
  return out;
}

/** Path set → FieldsV1 tree (`{"f:spec":{"f:replicas":{}}}`, `.` marks an owned inner node). */
export function toFieldsV1(paths: Iterable<string>): JsonObject {
  const root: JsonObject = {};
  const self = new Set<JsonObject>();
  for (const p of paths) {
    let node = root;
    for (const el of JSON.parse(p) as string[]) {
      if (!isObject(node[el])) node[el] = {};
      node = node[el] as JsonObject;
    }
    self.add(node);
  }
  const finish = (node: JsonObject): void => {
    const children = Object.keys(node);
    for (const k of children) finish(node[k] as JsonObject);
    if (self.has(node) && children.length > 0) node['.'] = {};
  };
  finish(root);
  return root;
}

export function fromFieldsV1(tree: unknown): Set<string> {
  const out = new Set<string>();
  const walk = (node: unknown, elems: string[]): void => {
    if (!isObject(node)) return;
    const keys = Object.keys(node);
    if (keys.length === 0 && elems.length > 0) out.add(JSON.stringify(elems));
    for (const k of keys) {
      if (k === '.') out.add(JSON.stringify(elems));
      else walk(node[k], [...elems, k]);
    }
  };
  walk(tree, []);
  return out;
}

/** `.spec.containers[name="app"].image`, how conflict messages name a field. */
export function describePath(path: string): string {
  let out = '';
  for (const el of JSON.parse(path) as string[]) {
    const body = el.slice(2);
    if (el.startsWith('f:')) out += `.${body}`;
    else if (el.startsWith('k:')) {
      const key = JSON.parse(body) as JsonObject;
      out += `[${Object.entries(key)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join(',')}]`;
    } else out += `[=${body}]`;
  }
  return out;
}

function isWithin(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(prefix.slice(0, -1) + ',');
}

/** Removes the field at `path` from `obj` (in place); list items are found by key or value. */
export function deletePath(obj: JsonObject, path: string): void {
  const elems = JSON.parse(path) as string[];
  let parent: unknown = obj;
  for (let i = 0; i < elems.length; i++) {
    const el = elems[i]!;
    const last = i === elems.length - 1;
    const body = el.slice(2);
    if (el.startsWith('f:')) {
      if (!isObject(parent)) return;
      if (last) delete parent[body];
      else parent = parent[body];
    } else if (Array.isArray(parent)) {
      const list = parent;
      const idx = el.startsWith('k:')
        ? list.findIndex((item) => {
            const key = JSON.parse(body) as JsonObject;
            return (
              isObject(item) && Object.entries(key).every(([k, v]) => canonical(item[k]) === canonical(v))
            );
          })
        : list.findIndex((item) => canonical(item) === body);
      if (idx < 0) return;
      if (last) list.splice(idx, 1);
      else parent = list[idx];
    } else return;
  }
}

/** Apply's merge: maps recurse, keyed lists merge by key, set lists union, the rest is replaced. */
export function applyMerge(
  live: unknown,
  applied: unknown,
  lookup: ListStrategyLookup,
  props: string[] = [],
): unknown {
  if (Array.isArray(applied)) {
    const strategy = lookup(props);
    const current = Array.isArray(live) ? [...live] : [];
    if (strategy.type === 'set') {
      for (const item of applied)
        if (!current.some((c) => canonical(c) === canonical(item))) current.push(item);
      return current;
    }
    if (strategy.type === 'map') {
      for (const item of applied) {
        const key = itemKey(item, strategy.keys);
        const idx = current.findIndex((c) => itemKey(c, strategy.keys) === key);
        if (idx >= 0) current[idx] = applyMerge(current[idx], item, lookup, props);
        else current.push(structuredClone(item));
      }
      return current;
    }
    return structuredClone(applied);
  }
  if (!isObject(applied)) return structuredClone(applied);
  const out: JsonObject = isObject(live) ? { ...live } : {};
  for (const [k, v] of Object.entries(applied)) out[k] = applyMerge(out[k], v, lookup, [...props, k]);
  return out;
}

export function readEntries(meta: JsonObject | undefined): ManagedFieldsEntry[] {
  const raw = meta?.managedFields;
  return Array.isArray(raw) ? (raw.filter(isObject) as unknown as ManagedFieldsEntry[]) : [];
}

function sameEntry(
  e: ManagedFieldsEntry,
  manager: string,
  operation: string,
  subresource: string | undefined,
) {
  return e.manager === manager && e.operation === operation && (e.subresource ?? '') === (subresource ?? '');
}

export interface OwnershipChange {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource: string | undefined;
  time: string;
}

/**
 * Entries after an Update: the writer takes every field it changed (without conflicts, as the real
 * server does for non-apply writes); fields that disappeared leave every set.
 */
export function recordUpdate(
  entries: ManagedFieldsEntry[],
  before: FieldMap,
  after: FieldMap,
  change: OwnershipChange,
): ManagedFieldsEntry[] {
  const changed = [...after].filter(([p, v]) => before.get(p) !== v).map(([p]) => p);
  const removed = [...before.keys()].filter((p) => !after.has(p));
  const taken = new Set([...changed, ...removed]);
  const sets = entries.map((e) => {
    const own = fromFieldsV1(e.fieldsV1);
    const mine = sameEntry(e, change.manager, change.operation, change.subresource);
    for (const p of [...own]) if (!mine && taken.has(p)) own.delete(p);
    for (const p of removed) own.delete(p);
    return { e, own };
  });
  let mine = sets.find(({ e }) => sameEntry(e, change.manager, change.operation, change.subresource));
  if (!mine && changed.length > 0) {
    mine = { e: { ...change, fieldsType: 'FieldsV1', fieldsV1: {} } as ManagedFieldsEntry, own: new Set() };
    sets.push(mine);
  }
  if (mine && changed.length > 0) {
    for (const p of changed) mine.own.add(p);
    mine.e = { ...mine.e, time: change.time, apiVersion: change.apiVersion };
  }
  return finish(sets);
}

function finish(sets: { e: ManagedFieldsEntry; own: Set<string> }[]): ManagedFieldsEntry[] {
  return sets
    .filter(({ own }) => own.size > 0)
    .map(({ e, own }) => {
      const entry: ManagedFieldsEntry = {
        manager: e.manager,
        operation: e.operation,
        apiVersion: e.apiVersion,
        time: e.time,
        fieldsType: 'FieldsV1',
        fieldsV1: toFieldsV1(own),
      };
      if (e.subresource) entry.subresource = e.subresource;
      return entry;
    });
}

export interface ApplyResult {
  object: JsonObject;
  entries: ManagedFieldsEntry[];
  conflicts: Conflict[];
}

/**
 * Server-side apply of `applied` onto `live` (undefined to create). With conflicts and no force,
 * returns them and leaves the object alone; with force, the applier takes the fields over.
 */
export function serverSideApply(
  live: JsonObject | undefined,
  applied: JsonObject,
  entries: ManagedFieldsEntry[],
  lookup: ListStrategyLookup,
  part: 'main' | 'status' | 'all',
  change: OwnershipChange,
  force: boolean,
): ApplyResult {
  const liveMap = fieldMap(live ?? {}, lookup, part);
  const appliedMap = fieldMap(applied, lookup, part);
  const sets = entries.map((e) => ({ e, own: fromFieldsV1(e.fieldsV1) }));
  const isMine = (e: ManagedFieldsEntry) => sameEntry(e, change.manager, 'Apply', change.subresource);
  const conflicts: Conflict[] = [];
  for (const [p, v] of appliedMap) {
    if (!liveMap.has(p) || liveMap.get(p) === v) continue;
    for (const { e, own } of sets) {
      if (!isMine(e) && e.manager !== change.manager && own.has(p))
        conflicts.push({ manager: e.manager, apiVersion: e.apiVersion, path: p });
    }
  }
  if (conflicts.length > 0 && !force) return { object: live ?? {}, entries, conflicts };
  for (const c of conflicts) for (const { e, own } of sets) if (e.manager === c.manager) own.delete(c.path);

  let merged = applyMerge(live ?? {}, applied, lookup) as JsonObject;
  const mine = sets.find(({ e }) => isMine(e));
  if (mine) {
    // Fields this manager applied before and no longer applies go away unless someone else has them.
    const dropped = [...mine.own].filter((p) => !appliedMap.has(p));
    const othersOwn = (p: string) =>
      sets.some(({ e, own }) => !isMine(e) && [...own].some((o) => isWithin(o, p)));
    // Shallowest first: removing a list item by key must happen before its key field goes.
    const stillApplied = (p: string) => [...appliedMap.keys()].some((a) => isWithin(a, p));
    const doomed = dropped
      .filter((p) => !othersOwn(p) && !stillApplied(p))
      .sort((a, b) => a.length - b.length);
    merged = structuredClone(merged);
    for (const p of doomed) deletePath(merged, p);
    mine.own = new Set(appliedMap.keys());
    mine.e = { ...mine.e, time: change.time, apiVersion: change.apiVersion };
  } else {
    sets.push({
      e: { ...change, operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: {} } as ManagedFieldsEntry,
      own: new Set(appliedMap.keys()),
    });
  }
  return { object: merged, entries: finish(sets), conflicts: [] };
}
