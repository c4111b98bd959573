// Strategic merge patch for the Kubernetes fields our overlays patch: maps merge recursively, lists
// with a patch merge key (containers by name, volumeMounts by mountPath, …) merge element-wise,
// every other list is replaced, null deletes a key and `$patch: delete` removes a list element.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonMap = { [k: string]: Json };

/**
 * Patch merge keys by field name, from the Kubernetes API's `x-kubernetes-patch-merge-key`. Field
 * names are unambiguous for what we patch (`ports` holds containerPort in a container and port in
 * a Service: both keys are tried, in that order).
 */
const MERGE_KEYS: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  volumes: ['name'],
  env: ['name'],
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
  imagePullSecrets: ['name'],
  ports: ['containerPort', 'port'],
  hostAliases: ['ip'],
  topologySpreadConstraints: ['topologyKey'],
  conditions: ['type'],
};

export class StrategicMergeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StrategicMergeError';
  }
}

function isMap(v: unknown): v is JsonMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Returns `base` with `patch` applied; neither argument is modified. */
export function strategicMerge(base: unknown, patch: unknown): unknown {
  return mergeValue(structuredClone(base) as Json, structuredClone(patch) as Json, '');
}

function mergeValue(base: Json, patch: Json, field: string): Json {
  if (isMap(patch)) {
    if (patch.$patch === 'replace') {
      const { $patch: _, ...rest } = patch;
      return rest;
    }
    if (!isMap(base)) return stripDirectives(patch);
    return mergeMap(base, patch);
  }
  if (Array.isArray(patch)) {
    if (!Array.isArray(base))
      return patch.filter((e) => !(isMap(e) && e.$patch === 'delete')).map(stripDirectives);
    return mergeList(base, patch, field);
  }
  return patch;
}

function mergeMap(base: JsonMap, patch: JsonMap): JsonMap {
  const out: JsonMap = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch') {
      if (v !== 'merge')
        throw new StrategicMergeError(`unsupported $patch directive "${String(v)}" on a map`);
      continue;
    }
    if (k.startsWith('$')) throw new StrategicMergeError(`unsupported directive ${k}`);
    if (v === null) delete out[k];
    else out[k] = k in base ? mergeValue(base[k], v, k) : stripDirectives(v);
  }
  return out;
}

function mergeList(base: Json[], patch: Json[], field: string): Json[] {
  const keys = MERGE_KEYS[field];
  if (!keys) return patch.map(stripDirectives);
  const key = keys.find((k) => [...base, ...patch].some((e) => isMap(e) && k in e));
  if (!key) return patch.map(stripDirectives);
  // kustomize (kyaml) order: the patch's elements first, in patch order, then the untouched rest.
  const rest = [...base];
  const head: Json[] = [];
  for (const element of patch) {
    if (!isMap(element) || !(key in element))
      throw new StrategicMergeError(`an element of ${field} has no merge key "${key}"`);
    const at = rest.findIndex((e) => isMap(e) && e[key] === element[key]);
    const prior = at >= 0 ? rest.splice(at, 1)[0] : undefined;
    if (element.$patch === 'delete') continue;
    head.push(prior === undefined ? stripDirectives(element) : mergeValue(prior, element, field));
  }
  return [...head, ...rest];
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isMap(v)) return v;
  const out: JsonMap = {};
  for (const [k, e] of Object.entries(v)) if (k !== '$patch') out[k] = stripDirectives(e);
  return out;
}
