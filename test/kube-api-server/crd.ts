// Turns a CustomResourceDefinition into the resource type the server serves, checking the parts
// of the CRD the real server checks before it accepts one (names, versions, schemas).

import { type KubeObject, type ResourceType, STANDARD_VERBS } from './resource-types.js';
import { type CompiledSchema, compileSchema, type JsonSchema } from './schema.js';
import type { StatusCause } from './status.js';

export interface CustomResourceType extends ResourceType {
  /** Compiled openAPIV3Schema per served version. */
  schemas: Map<string, CompiledSchema>;
}

export const CRD_VERBS = STANDARD_VERBS;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function readField(obj: KubeObject, jsonPath: string): string | undefined {
  let cur: unknown = obj;
  for (const part of jsonPath.replace(/^\./, '').split('.')) {
    if (!isObject(cur)) return undefined;
    cur = cur[part];
  }
  if (cur === undefined || cur === null || typeof cur === 'object') return undefined;
  return String(cur);
}

/** Causes for a CRD the real server would reject; empty when it can be served. */
export function validateCrd(crd: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = crd.spec;
  const name = String(crd.metadata?.name ?? '');
  if (!isObject(spec)) return [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec' }];
  const names = isObject(spec.names) ? spec.names : {};
  if (typeof spec.group !== 'string' || !spec.group.includes('.'))
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${JSON.stringify(spec.group)}: should be a domain with at least one dot`,
      field: 'spec.group',
    });
  if (typeof names.plural !== 'string' || !names.plural)
    causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.names.plural' });
  if (typeof names.kind !== 'string' || !names.kind)
    causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.names.kind' });
  if (
    typeof names.plural === 'string' &&
    typeof spec.group === 'string' &&
    name !== `${names.plural}.${spec.group}`
  )
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: "${name}": must be spec.names.plural+"."+spec.group`,
      field: 'metadata.name',
    });
  if (spec.scope !== 'Namespaced' && spec.scope !== 'Cluster')
    causes.push({
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${JSON.stringify(spec.scope)}: supported values: "Cluster", "Namespaced"`,
      field: 'spec.scope',
    });
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0)
    causes.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.versions' });
  const storage = versions.filter((v) => isObject(v) && v.storage === true);
  if (versions.length > 0 && storage.length !== 1)
    causes.push({
      reason: 'FieldValueInvalid',
      message: 'Invalid value: must have exactly one version marked as storage version',
      field: 'spec.versions',
    });
  versions.forEach((v, i) => {
    if (!isObject(v) || typeof v.name !== 'string') {
      causes.push({
        reason: 'FieldValueRequired',
        message: 'Required value',
        field: `spec.versions[${i}].name`,
      });
      return;
    }
    const schema = isObject(v.schema) ? v.schema.openAPIV3Schema : undefined;
    if (!isObject(schema)) {
      causes.push({
        reason: 'FieldValueRequired',
        message: 'Required value: schemas are required',
        field: `spec.versions[${i}].schema.openAPIV3Schema`,
      });
      return;
    }
    try {
      compileSchema(schema as JsonSchema);
    } catch (err) {
      causes.push({
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${(err as Error).message}`,
        field: `spec.versions[${i}].schema.openAPIV3Schema`,
      });
    }
  });
  return causes;
}

/** Call only with a CRD for which validateCrd returned no causes. */
export function crdResourceType(crd: KubeObject): CustomResourceType {
  const spec = crd.spec as Record<string, unknown>;
  const names = spec.names as Record<string, unknown>;
  const versions = (spec.versions as Record<string, unknown>[]).filter((v) => v.served !== false);
  const storage = (spec.versions as Record<string, unknown>[]).find((v) => v.storage === true) ?? versions[0];
  const schemas = new Map<string, CompiledSchema>();
  const fieldSelectors: ResourceType['fieldSelectors'] = {};
  for (const v of versions) {
    schemas.set(
      String(v.name),
      compileSchema((v.schema as Record<string, unknown>).openAPIV3Schema as JsonSchema),
    );
    for (const f of Array.isArray(v.selectableFields) ? v.selectableFields : []) {
      if (isObject(f) && typeof f.jsonPath === 'string') {
        const jsonPath = f.jsonPath;
        fieldSelectors[jsonPath.replace(/^\./, '')] = (obj) => readField(obj, jsonPath);
      }
    }
  }
  const storageSchema = schemas.get(String(storage?.name));
  const subresources = isObject(storage?.subresources) ? storage.subresources : {};
  const kind = String(names.kind);
  return {
    group: String(spec.group),
    versions: versions.map((v) => String(v.name)),
    plural: String(names.plural),
    singular: typeof names.singular === 'string' && names.singular ? names.singular : kind.toLowerCase(),
    kind,
    listKind: typeof names.listKind === 'string' && names.listKind ? names.listKind : `${kind}List`,
    namespaced: spec.scope === 'Namespaced',
    shortNames: Array.isArray(names.shortNames) ? names.shortNames.map(String) : [],
    categories: Array.isArray(names.categories) ? names.categories.map(String) : [],
    statusSubresource: isObject(subresources.status),
    hasGeneration: true,
    allowUnconditionalUpdate: false,
    custom: true,
    fieldSelectors,
    listStrategy: (path) => storageSchema?.listStrategy(path) ?? { type: 'atomic' },
    crdName: String(crd.metadata?.name),
    storage: { group: String(spec.group), plural: String(names.plural) },
    schemas,
  };
}

/** The status the real server reports on a CRD it has accepted. */
export function establishedStatus(crd: KubeObject, now: string): Record<string, unknown> {
  const spec = crd.spec as Record<string, unknown>;
  const condition = (type: string, reason: string, message: string) => ({
    type,
    status: 'True',
    lastTransitionTime: now,
    reason,
    message,
  });
  return {
    acceptedNames: spec.names,
    conditions: [
      condition('NamesAccepted', 'NoConflicts', 'no conflicts found'),
      condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
    ],
    storedVersions: (spec.versions as Record<string, unknown>[])
      .filter((v) => v.storage === true)
      .map((v) => v.name),
  };
}
