// The three PATCH formats: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge
// patch, whose lists merge by key where the kind's list strategy says so (containers by name, ...).
import type { ListStrategyLookup } from './resource-types.js';
import { ApiError, badRequest } from './status.js';

type Json = unknown;
type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function patchFailed(message: string): ApiError {
  return new ApiError(422, 'Invalid', message);
}

function parsePointer(pointer: unknown): string[] {
  if (typeof pointer !== 'string' || (pointer !== '' && !pointer.startsWith('/')))
    throw badRequest(`invalid JSON pointer ${JSON.stringify(pointer)}`);
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, path: string[], op: string): { parent: JsonObject | Json[]; last: string } {
  let cur: Json = doc;
  for (const seg of path.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isObject(cur)) cur = cur[seg];
    else cur = undefined;
    if (cur === undefined)
      throw patchFailed(`${op} operation does not apply: doc is missing path: /${path.join('/')}`);
  }
  if (!Array.isArray(cur) && !isObject(cur))
    throw patchFailed(`${op} operation does not apply: doc is missing path: /${path.join('/')}`);
  return { parent: cur, last: path[path.length - 1]! };
}

function getAt(doc: Json, path: string[], op: string): Json {
  let cur: Json = doc;
  for (const seg of path) {
    if (Array.isArray(cur) && /^\d+$/.test(seg) && Number(seg) < cur.length) cur = cur[Number(seg)];
    else if (isObject(cur) && Object.hasOwn(cur, seg)) cur = cur[seg];
    else throw patchFailed(`${op} operation does not apply: doc is missing path: /${path.join('/')}`);
  }
  return cur;
}

function arrayIndex(arr: Json[], seg: string, forAdd: boolean, op: string): number {
  if (forAdd && seg === '-') return arr.length;
  const i = /^\d+$/.test(seg) ? Number(seg) : Number.NaN;
  if (!(i >= 0 && i <= arr.length - (forAdd ? 0 : 1)))
    throw patchFailed(`${op} operation does not apply: index ${seg} out of bounds`);
  return i;
}

function addAt(doc: Json, path: string[], value: Json, op: string): Json {
  if (path.length === 0) return value;
  const { parent, last } = parentOf(doc, path, op);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true, op), 0, value);
  else parent[last] = value;
  return doc;
}

function removeAt(doc: Json, path: string[], op: string): Json {
  if (path.length === 0) throw patchFailed(`${op} operation does not apply: cannot remove the root`);
  getAt(doc, path, op);
  const { parent, last } = parentOf(doc, path, op);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, false, op), 1);
  else delete parent[last];
  return doc;
}

function deepEqual(a: Json, b: Json): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: Json): Json {
  if (Array.isArray(v)) return v.map(canonical);
  if (isObject(v))
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, canonical(v[k])]),
    );
  return v;
}

export function jsonPatch(target: Json, patch: Json): Json {
  if (!Array.isArray(patch)) throw badRequest('json patch must be a JSON array of operations');
  let doc = structuredClone(target);
  for (const raw of patch) {
    if (!isObject(raw) || typeof raw.op !== 'string')
      throw badRequest('json patch operation must be an object with "op"');
    const op = raw.op;
    const path = parsePointer(raw.path);
    switch (op) {
      case 'add':
        doc = addAt(doc, path, structuredClone(raw.value), op);
        break;
      case 'remove':
        doc = removeAt(doc, path, op);
        break;
      case 'replace':
        getAt(doc, path, op);
        doc =
          path.length === 0
            ? structuredClone(raw.value)
            : addAt(removeAt(doc, path, op), path, structuredClone(raw.value), op);
        break;
      case 'move': {
        const from = parsePointer(raw.from);
        const value = getAt(doc, from, op);
        doc = addAt(removeAt(doc, from, op), path, value, op);
        break;
      }
      case 'copy':
        doc = addAt(doc, path, structuredClone(getAt(doc, parsePointer(raw.from), op)), op);
        break;
      case 'test':
        if (!deepEqual(getAt(doc, path, op), raw.value))
          throw patchFailed(`testing value /${path.join('/')} failed`);
        break;
      default:
        throw badRequest(`Unexpected kind: ${op}`);
    }
  }
  return doc;
}

const DELETE_FROM_LIST = '$deleteFromPrimitiveList/';

function itemMatches(item: Json, key: JsonObject, keys: string[]): boolean {
  return isObject(item) && keys.every((k) => key[k] === undefined || deepEqual(item[k], key[k]));
}

function mergeList(target: Json[], patch: Json[], path: string[], lookup: ListStrategyLookup): Json[] {
  const strategy = lookup(path);
  if (patch.some((p) => isObject(p) && p.$patch === 'replace'))
    return patch
      .filter((p) => !(isObject(p) && p.$patch === 'replace'))
      .map((p) => strategic(undefined, p, path, lookup));
  if (strategy.type === 'set') {
    const out = [...target];
    for (const p of patch) if (!out.some((t) => deepEqual(t, p))) out.push(p);
    return out;
  }
  if (strategy.type !== 'map') return patch.map((p) => strategic(undefined, p, path, lookup));
  const out = [...target];
  for (const p of patch) {
    if (!isObject(p)) {
      out.push(p);
      continue;
    }
    const idx = out.findIndex((t) => itemMatches(t, p, strategy.keys));
    if (p.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
    } else if (idx >= 0) out[idx] = strategic(out[idx], p, path, lookup);
    else out.push(strategic(undefined, p, path, lookup));
  }
  return out;
}

/**
 * Strategic merge patch; `path` is the field path of `target` with list indexes left out, the
 * form list strategies are looked up by. Directives `$patch`, `$deleteFromPrimitiveList` are
 * honoured; `$setElementOrder` and `$retainKeys` are accepted and ignored.
 */
export function strategic(target: Json, patch: Json, path: string[], lookup: ListStrategyLookup): Json {
  if (!isObject(patch)) return structuredClone(patch);
  if (patch.$patch === 'delete') return undefined;
  const replace = patch.$patch === 'replace';
  const out: JsonObject = isObject(target) && !replace ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k.startsWith('$setElementOrder/') || k === '$retainKeys') continue;
    if (k.startsWith(DELETE_FROM_LIST)) {
      const field = k.slice(DELETE_FROM_LIST.length);
      const list = out[field];
      if (Array.isArray(list) && Array.isArray(v))
        out[field] = list.filter((x) => !v.some((d) => deepEqual(x, d)));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const childPath = [...path, k];
    if (Array.isArray(v))
      out[k] = mergeList(Array.isArray(out[k]) ? (out[k] as Json[]) : [], v, childPath, lookup);
    else {
      const merged = strategic(out[k], v, childPath, lookup);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
  }
  return out;
}
