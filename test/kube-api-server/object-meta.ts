// ObjectMeta handling shared by every write: names, generateName, timestamps, the checks the real
// server runs on metadata, per-kind preparation of built-ins, and the shape objects are served in.
import { randomUUID } from 'node:crypto';
import type { KubeObject, ResourceType } from './resource-types.js';
import { LABEL_KEY, LABEL_VALUE } from './selectors.js';
import type { StatusCause } from './status.js';

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// The alphabet apimachinery's generateName suffixes use (no vowels, no look-alike digits).
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 3339 at second precision, as metav1.Time serializes. */
export function timestamp(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function generateName(prefix: string): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += SUFFIX_ALPHABET[Math.floor(Math.random() * SUFFIX_ALPHABET.length)];
  return prefix + suffix;
}

export function newUid(): string {
  return randomUUID();
}

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export function meta(obj: KubeObject): Record<string, unknown> {
  if (!isObject(obj.metadata)) obj.metadata = {};
  return obj.metadata as Record<string, unknown>;
}

/** Checks of ObjectMeta the real server makes on create and update. */
export function validateMeta(type: ResourceType, obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const m = meta(obj);
  const name = m.name;
  if (typeof name !== 'string' || name === '') {
    causes.push({
      reason: 'FieldValueRequired',
      message: 'Required value: name or generateName is required',
      field: 'metadata.name',
    });
  } else {
    const label = type.plural === 'namespaces';
    const ok = label
      ? DNS_LABEL.test(name) && name.length <= 63
      : DNS_SUBDOMAIN.test(name) && name.length <= 253;
    if (!ok) {
      const what = label
        ? "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"
        : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(name)}: ${what}`,
        field: 'metadata.name',
      });
    }
  }
  for (const field of ['labels', 'annotations'] as const) {
    const map = m[field];
    if (map === undefined || map === null) continue;
    if (!isObject(map)) {
      causes.push({
        reason: 'FieldValueTypeInvalid',
        message: 'Invalid value: must be a map of strings',
        field: `metadata.${field}`,
      });
      continue;
    }
    for (const [k, v] of Object.entries(map)) {
      if (!LABEL_KEY.test(k))
        causes.push({
          reason: 'FieldValueInvalid',
          message: `Invalid value: ${JSON.stringify(k)}: name part must consist of alphanumeric characters, '-', '_' or '.'`,
          field: `metadata.${field}`,
        });
      if (typeof v !== 'string')
        causes.push({
          reason: 'FieldValueTypeInvalid',
          message: 'Invalid value: must be a string',
          field: `metadata.${field}.${k}`,
        });
      else if (field === 'labels' && (!LABEL_VALUE.test(v) || v.length > 63))
        causes.push({
          reason: 'FieldValueInvalid',
          message: `Invalid value: ${JSON.stringify(v)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'`,
          field: `metadata.labels`,
        });
    }
  }
  if (
    m.finalizers !== undefined &&
    !(Array.isArray(m.finalizers) && m.finalizers.every((f) => typeof f === 'string'))
  )
    causes.push({
      reason: 'FieldValueTypeInvalid',
      message: 'Invalid value: must be a list of strings',
      field: 'metadata.finalizers',
    });
  return causes;
}

/** Kind-specific preparation of built-ins that the real strategies do (status on create, etc.). */
export function prepareBuiltin(type: ResourceType, obj: KubeObject, creating: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  const key = `${type.group}/${type.plural}`;
  if (key === '/secrets' && isObject(obj.stringData)) {
    // The API server folds stringData into data and never stores stringData.
    const data = isObject(obj.data) ? obj.data : {};
    for (const [k, v] of Object.entries(obj.stringData)) data[k] = Buffer.from(String(v)).toString('base64');
    obj.data = data;
    delete obj.stringData;
  }
  if (key === '/namespaces') {
    const m = meta(obj);
    m.labels = { ...(isObject(m.labels) ? m.labels : {}), 'kubernetes.io/metadata.name': String(m.name) };
    if (creating) {
      obj.spec = { finalizers: ['kubernetes'] };
      obj.status = { phase: 'Active' };
    }
  }
  // Typed fields are re-encoded by the real server: MicroTime with 6 digits, Time with none.
  if (key === 'coordination.k8s.io/leases' && isObject(obj.spec))
    normalizeTimes(obj.spec, ['acquireTime', 'renewTime'], 'micro');
  if (key === 'events.k8s.io/events' || key === '/events') {
    normalizeTimes(obj, ['eventTime'], 'micro');
    normalizeTimes(
      obj,
      ['firstTimestamp', 'lastTimestamp', 'deprecatedFirstTimestamp', 'deprecatedLastTimestamp'],
      'seconds',
    );
    if (isObject(obj.series)) normalizeTimes(obj.series, ['lastObservedTime'], 'micro');
  }
  if (key === '/pods') {
    const spec = isObject(obj.spec) ? obj.spec : undefined;
    const containers = spec?.containers;
    if (!Array.isArray(containers) || containers.length === 0)
      causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers' });
    else
      containers.forEach((c, i) => {
        if (!isObject(c) || typeof c.name !== 'string' || !c.name)
          causes.push({
            reason: 'FieldValueRequired',
            message: 'Required value',
            field: `spec.containers[${i}].name`,
          });
        if (!isObject(c) || typeof c.image !== 'string' || !c.image)
          causes.push({
            reason: 'FieldValueRequired',
            message: 'Required value',
            field: `spec.containers[${i}].image`,
          });
      });
    if (creating) obj.status = { phase: 'Pending', qosClass: 'BestEffort' };
  }
  return causes;
}

function normalizeTimes(
  target: Record<string, unknown>,
  fields: string[],
  precision: 'micro' | 'seconds',
): void {
  for (const f of fields) {
    const v = target[f];
    if (typeof v !== 'string') continue;
    const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(v);
    if (!m) continue;
    const date = new Date(v);
    const base = timestamp(date).slice(0, 19);
    target[f] = precision === 'seconds' ? `${base}Z` : `${base}.${(m[2] ?? '').padEnd(6, '0').slice(0, 6)}Z`;
  }
}

/** Status the server resets on create for kinds with a status subresource. */
export function resetStatusOnCreate(type: ResourceType, obj: KubeObject): void {
  if (!type.statusSubresource || type.plural === 'nodes') return;
  delete obj.status;
}

/** apiVersion, kind, metadata, spec first, the order the real server writes. */
export function present(
  obj: KubeObject,
  type: ResourceType,
  version: string,
  withTypeMeta = true,
): KubeObject {
  const out: KubeObject = {};
  if (withTypeMeta) {
    out.apiVersion = apiVersionOf(type.group, version);
    out.kind = type.kind;
  }
  out.metadata = obj.metadata;
  for (const [k, v] of Object.entries(obj))
    if (k !== 'apiVersion' && k !== 'kind' && k !== 'metadata') out[k] = v;
  return out;
}

/** What `metadata.generation` tracks: everything but metadata (and status, when it is a subresource). */
export function specPart(type: ResourceType, obj: KubeObject): string {
  const { metadata: _m, status, apiVersion: _a, kind: _k, ...rest } = obj;
  return canonicalJson(type.statusSubresource ? rest : { ...rest, status });
}

/** JSON with object keys sorted, so key order never reads as a change. */
export function canonicalJson(v: unknown): string {
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
