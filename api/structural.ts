// Checks that a CRD's schema obeys Kubernetes' structural-schema rules, so a bad CRD fails here and not in a cluster.
import { RE2JS } from 're2js';
import type { CustomResourceDefinition, JSONSchemaProps } from './crd.js';
import { STRUCTURAL_KEYWORDS } from './crd.js';

const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);

/** Keywords a structural schema must not have anywhere in the form we emit (no `$ref`, no unions). */
const FORBIDDEN = ['$ref', '$schema', 'id', 'anyOf', 'oneOf', 'allOf', 'not', 'const', 'patternProperties'];
const FORBIDDEN_ALSO = [
  'definitions',
  'dependencies',
  'additionalItems',
  'uniqueItems',
  'x-kubernetes-embedded-resource',
];

const NODE_KEYWORDS = new Set([...STRUCTURAL_KEYWORDS, 'properties', 'items', 'additionalProperties']);

function matchesType(value: unknown, type: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    default:
      return false;
  }
}

function checkNode(node: JSONSchemaProps, at: string, problems: string[]): void {
  for (const key of [...FORBIDDEN, ...FORBIDDEN_ALSO])
    if (key in node) problems.push(`${at}: forbidden keyword "${key}"`);
  for (const key of Object.keys(node))
    if (!NODE_KEYWORDS.has(key) && !FORBIDDEN.includes(key) && !FORBIDDEN_ALSO.includes(key))
      problems.push(`${at}: unknown keyword "${key}"`);
  const free =
    node['x-kubernetes-preserve-unknown-fields'] === true || node['x-kubernetes-int-or-string'] === true;
  if (!('type' in node) && !free) problems.push(`${at}: no type`);
  if ('type' in node && !TYPES.has(node.type as string))
    problems.push(`${at}: bad type ${String(node.type)}`);
  if (node.enum !== undefined) {
    if (!Array.isArray(node.enum) || node.enum.length === 0)
      problems.push(`${at}: enum must be a non-empty list`);
    else
      for (const v of node.enum)
        if (!matchesType(v, node.type)) problems.push(`${at}: enum value ${v} is no ${node.type}`);
  }
  if (node.default !== undefined && !matchesType(node.default, node.type))
    problems.push(`${at}: default ${JSON.stringify(node.default)} is no ${node.type}`);
  if (node.default !== undefined && Array.isArray(node.enum) && !node.enum.includes(node.default))
    problems.push(`${at}: default ${JSON.stringify(node.default)} is not in its enum`);
  if (typeof node.pattern === 'string') {
    try {
      RE2JS.compile(node.pattern);
      new RegExp(node.pattern, 'u');
    } catch (err) {
      problems.push(`${at}: pattern does not compile in both RE2 and ECMAScript: ${(err as Error).message}`);
    }
  }
  const props = node.properties as Record<string, JSONSchemaProps> | undefined;
  if (node.type === 'object') {
    if (props && node.additionalProperties !== undefined)
      problems.push(`${at}: properties and additionalProperties are mutually exclusive`);
    if (node.additionalProperties === false || node.additionalProperties === true)
      problems.push(`${at}: additionalProperties must be a schema, not a boolean`);
    for (const r of (node.required as string[] | undefined) ?? [])
      if (!props || !(r in props)) problems.push(`${at}: required field "${r}" is not among the properties`);
    for (const [name, sub] of Object.entries(props ?? {})) checkNode(sub, `${at}.${name}`, problems);
    if (node.additionalProperties && typeof node.additionalProperties === 'object')
      checkNode(node.additionalProperties as JSONSchemaProps, `${at}.*`, problems);
  } else if (props || node.additionalProperties !== undefined) {
    problems.push(`${at}: properties on a node of type ${String(node.type)}`);
  }
  if (node.type === 'array') {
    const items = node.items as JSONSchemaProps | undefined;
    if (!items || Array.isArray(items) || typeof items !== 'object')
      problems.push(`${at}: items must be one schema`);
    else {
      checkNode(items, `${at}[]`, problems);
      if (node['x-kubernetes-list-type'] === 'map') {
        const keys = (node['x-kubernetes-list-map-keys'] as string[] | undefined) ?? [];
        if (keys.length === 0) problems.push(`${at}: list-type map without list-map-keys`);
        const req = (items.required as string[] | undefined) ?? [];
        for (const k of keys)
          if (
            !req.includes(k) &&
            (items.properties as Record<string, JSONSchemaProps>)?.[k]?.default === undefined
          )
            problems.push(`${at}: list-map key "${k}" must be required or defaulted`);
      }
    }
  } else if (node.items !== undefined) {
    problems.push(`${at}: items on a node of type ${String(node.type)}`);
  }
  for (const v of (node['x-kubernetes-validations'] as { rule?: unknown; message?: unknown }[] | undefined) ??
    [])
    if (typeof v.rule !== 'string' || typeof v.message !== 'string')
      problems.push(`${at}: x-kubernetes-validations entries need a rule and a message`);
}

/** Every problem that would make the API server reject the CRD or its schema non-structural; empty when fine. */
export function structuralProblems(crd: CustomResourceDefinition): string[] {
  const problems: string[] = [];
  for (const version of crd.spec.versions) {
    const root = version.schema.openAPIV3Schema;
    const at = `${crd.metadata.name}/${version.name}`;
    if (root.type !== 'object') problems.push(`${at}: the root must be of type object`);
    checkNode(root, at, problems);
    const meta = (root.properties as Record<string, JSONSchemaProps> | undefined)?.metadata;
    if (meta && Object.keys(meta).some((k) => k !== 'type' && k !== 'properties'))
      problems.push(`${at}.metadata: only type (and name/generateName) may be constrained`);
    for (const r of (root.required as string[] | undefined) ?? [])
      if (r === 'apiVersion' || r === 'kind' || r === 'metadata')
        problems.push(`${at}: the root must not require ${r} (the API server owns it)`);
    for (const col of version.additionalPrinterColumns)
      if (!col.jsonPath.startsWith('.'))
        problems.push(`${at}: printer column ${col.name} path must start with "."`);
  }
  if (crd.metadata.name !== `${crd.spec.names.plural}.${crd.spec.group}`)
    problems.push(`${crd.metadata.name}: name must be <plural>.<group>`);
  return problems;
}
