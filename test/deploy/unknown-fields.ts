// Finds fields the API server does not know (a typo such as `imagePulPolicy`): kubernetes-models
// validates types and required fields but lets unknown properties through, while `kubectl apply`
// (field validation Strict) refuses them. Field lists come from the client library's generated
// models; this test helper reads their metadata only and never talks to a cluster.
import * as models from '@kubernetes/client-node';
import type { KObject } from './kustomize.js';

interface Attribute {
  baseName: string;
  type: string;
}
type ModelClass = { getAttributeTypeMap(): Attribute[] };

const registry = models as unknown as Record<string, ModelClass | undefined>;

/** `apps/v1` + `Deployment` → the `V1Deployment` model, if the library has one. */
export function modelFor(apiVersion: string, kind: string): string | undefined {
  const version = apiVersion.split('/').pop() as string;
  const name = `${version[0].toUpperCase()}${version.slice(1)}${kind}`;
  return registry[name]?.getAttributeTypeMap ? name : undefined;
}

/** Paths (`spec.template.spec.containers[0].imagePulPolicy`) of fields the model does not define. */
export function unknownFields(o: KObject): string[] {
  const model = modelFor(o.apiVersion, o.kind);
  if (!model) return [`no model for ${o.apiVersion} ${o.kind}`];
  const out: string[] = [];
  walk(o, model, '', out);
  return out;
}

function walk(value: unknown, type: string, path: string, out: string[]): void {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) for (const [i, v] of value.entries()) walk(v, array[1], `${path}[${i}]`, out);
    return;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    if (typeof value === 'object')
      for (const [k, v] of Object.entries(value)) walk(v, map[1], `${path}.${k}`, out);
    return;
  }
  const cls = registry[type];
  if (!cls?.getAttributeTypeMap || typeof value !== 'object' || Array.isArray(value)) return;
  const attributes = new Map(cls.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const child = attributes.get(k);
    const at = path ? `${path}.${k}` : k;
    if (child === undefined) out.push(at);
    else walk(v, child, at, out);
  }
}
