// Structural-schema behaviour of custom resources, as the real server applies it on every write:
// prune unknown fields, fill defaults, then validate (ajv) and report 422 causes in Kubernetes' words.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { checkCelRules } from './cel-rules.js';
import type { ListStrategy, ListStrategyLookup } from './resource-types.js';
import type { StatusCause } from './status.js';

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export type JsonSchema = Record<string, unknown>;

export interface CompiledSchema {
  /**
   * Removes fields the schema does not declare (keeps apiVersion, kind, metadata at the root);
   * returns their paths, for fieldValidation=Strict.
   */
  prune(obj: Record<string, unknown>): string[];
  applyDefaults(obj: Record<string, unknown>): void;
  /** Empty when valid. */
  validate(obj: Record<string, unknown>): StatusCause[];
  listStrategy: ListStrategyLookup;
}

let sharedAjv: Ajv | undefined;
// Servers in one process load the same CRDs again and again; ajv compilation dominates start-up.
const compiled = new Map<string, ValidateFunction>();

function ajv(): Ajv {
  if (sharedAjv) return sharedAjv;
  // x-kubernetes-* and other OpenAPI keywords must pass through, hence strict: false.
  const a = new Ajv({ strict: false, allErrors: true, verbose: true, logger: false, validateFormats: true });
  addFormats(a);
  // Kubernetes' "duration" is Go's time.Duration syntax, not ISO 8601.
  a.addFormat('duration', /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/);
  sharedAjv = a;
  return a;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function childSchema(schema: JsonSchema, key: string): JsonSchema | undefined {
  const props = schema.properties;
  if (isObject(props) && isObject(props[key])) return props[key] as JsonSchema;
  if (isObject(schema.additionalProperties)) return schema.additionalProperties as JsonSchema;
  return undefined;
}

function preservesUnknown(schema: JsonSchema): boolean {
  return schema['x-kubernetes-preserve-unknown-fields'] === true || schema.additionalProperties === true;
}

function pruneValue(value: unknown, schema: JsonSchema, path: string, removed: string[]): void {
  if (Array.isArray(value)) {
    if (isObject(schema.items))
      value.forEach((item, i) => {
        pruneValue(item, schema.items as JsonSchema, `${path}[${i}]`, removed);
      });
    return;
  }
  if (!isObject(value)) return;
  if (schema['x-kubernetes-embedded-resource'] === true) return;
  const declaresShape =
    isObject(schema.properties) || isObject(schema.additionalProperties) || schema.type === 'object';
  for (const key of Object.keys(value)) {
    const child = childSchema(schema, key);
    if (child) pruneValue(value[key], child, `${path}.${key}`, removed);
    else if (declaresShape && !preservesUnknown(schema)) {
      removed.push(`${path}.${key}`);
      delete value[key];
    }
  }
}

function defaultValue(value: unknown, schema: JsonSchema): void {
  if (Array.isArray(value)) {
    if (isObject(schema.items)) for (const item of value) defaultValue(item, schema.items as JsonSchema);
    return;
  }
  if (!isObject(value)) return;
  const props = schema.properties;
  if (isObject(props)) {
    for (const [key, sub] of Object.entries(props)) {
      if (value[key] === undefined && isObject(sub) && sub.default !== undefined)
        value[key] = structuredClone(sub.default);
    }
  }
  for (const key of Object.keys(value)) {
    const child = childSchema(schema, key);
    if (child) defaultValue(value[key], child);
  }
}

/** `/spec/rules/0/action` → `spec.rules[0].action`, Kubernetes' field path notation. */
export function fieldPath(instancePath: string, extra?: string): string {
  let out = '';
  const parts = instancePath.split('/').slice(1);
  if (extra !== undefined) parts.push(extra);
  for (const raw of parts) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}

function show(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v ?? null);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function toCause(e: ErrorObject): StatusCause | undefined {
  const field = fieldPath(e.instancePath);
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return {
        reason: 'FieldValueRequired',
        message: 'Required value',
        field: fieldPath(e.instancePath, String(p.missingProperty)),
      };
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map(show).join(', ');
      return {
        reason: 'FieldValueNotSupported',
        message: `Unsupported value: ${show(e.data)}: supported values: ${allowed}`,
        field,
      };
    }
    case 'type':
      return {
        reason: 'FieldValueTypeInvalid',
        message: `Invalid value: "${typeName(e.data)}": ${field} in body must be of type ${p.type}: "${typeName(e.data)}"`,
        field,
      };
    case 'pattern':
      return {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${show(e.data)}: ${field} in body should match '${p.pattern}'`,
        field,
      };
    case 'maxLength':
      return {
        reason: 'FieldValueTooLong',
        message: `Too long: may not be more than ${p.limit} bytes`,
        field,
      };
    case 'maxItems':
      return {
        reason: 'FieldValueTooMany',
        message: `Too many: ${(e.data as unknown[]).length}: must have at most ${p.limit} items`,
        field,
      };
    case 'minLength':
      return {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${show(e.data)}: ${field} in body should be at least ${p.limit} chars long`,
        field,
      };
    case 'minItems':
      return {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${(e.data as unknown[]).length}: ${field} in body should have at least ${p.limit} items`,
        field,
      };
    case 'minimum':
    case 'exclusiveMinimum':
      return {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${show(e.data)}: ${field} in body should be greater than or equal to ${p.limit}`,
        field,
      };
    case 'maximum':
    case 'exclusiveMaximum':
      return {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${show(e.data)}: ${field} in body should be less than or equal to ${p.limit}`,
        field,
      };
    case 'format':
      return {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${show(e.data)}: ${field} in body must be of type ${p.format}: ${show(e.data)}`,
        field,
      };
    case 'anyOf':
    case 'oneOf':
    case 'if':
      // The branch errors that follow say what is wrong; the combinator error adds nothing.
      return undefined;
    default:
      return {
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${show(e.data)}: ${e.message ?? e.keyword}`,
        field,
      };
  }
}

function listStrategyOf(schema: JsonSchema): ListStrategy {
  const type = schema['x-kubernetes-list-type'];
  if (type === 'map') return { type: 'map', keys: (schema['x-kubernetes-list-map-keys'] as string[]) ?? [] };
  if (type === 'set') return { type: 'set' };
  return { type: 'atomic' };
}

function keyOf(item: unknown, keys: string[]): string {
  if (!isObject(item)) return JSON.stringify(item);
  return JSON.stringify(keys.map((k) => item[k]));
}

/** `x-kubernetes-list-type: map|set` lists must not hold two items with the same key. */
function checkListUniqueness(value: unknown, schema: JsonSchema, path: string, out: StatusCause[]): void {
  if (Array.isArray(value)) {
    const strategy = listStrategyOf(schema);
    if (strategy.type !== 'atomic') {
      const seen = new Set<string>();
      value.forEach((item, i) => {
        const key = strategy.type === 'map' ? keyOf(item, strategy.keys) : JSON.stringify(item);
        if (seen.has(key))
          out.push({
            reason: 'FieldValueDuplicate',
            message: `Duplicate value: ${show(item)}`,
            field: `${path}[${i}]`,
          });
        seen.add(key);
      });
    }
    if (isObject(schema.items))
      value.forEach((item, i) => {
        checkListUniqueness(item, schema.items as JsonSchema, `${path}[${i}]`, out);
      });
    return;
  }
  if (!isObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    const sub = childSchema(schema, key);
    if (sub) checkListUniqueness(child, sub, path ? `${path}.${key}` : key, out);
  }
}

export function compileSchema(openAPIV3Schema: JsonSchema): CompiledSchema {
  // metadata is validated by the server itself (ObjectMeta), never by the CRD schema.
  const props = isObject(openAPIV3Schema.properties) ? { ...openAPIV3Schema.properties } : {};
  delete props.metadata;
  const root: JsonSchema = { ...openAPIV3Schema, properties: props };
  const cacheKey = JSON.stringify(root);
  let validator = compiled.get(cacheKey);
  if (!validator) {
    validator = ajv().compile(root);
    compiled.set(cacheKey, validator);
  }
  const validate: ValidateFunction = validator;
  const lookup: ListStrategyLookup = (path) => {
    let node: JsonSchema | undefined = root;
    for (const seg of path) {
      if (!node) break;
      if (node.type === 'array' && isObject(node.items)) node = node.items as JsonSchema;
      node = childSchema(node, seg);
    }
    return node && node.type === 'array' ? listStrategyOf(node) : { type: 'atomic' };
  };
  return {
    prune(obj) {
      const removed: string[] = [];
      for (const key of Object.keys(obj)) {
        if (key === 'apiVersion' || key === 'kind' || key === 'metadata') continue;
        const child = childSchema(root, key);
        if (child) pruneValue(obj[key], child, `.${key}`, removed);
        else if (!preservesUnknown(root)) {
          removed.push(`.${key}`);
          delete obj[key];
        }
      }
      return removed.map((p) => p.slice(1));
    },
    applyDefaults(obj) {
      defaultValue(obj, { ...root, properties: props });
    },
    validate(obj) {
      const { metadata: _metadata, ...rest } = obj;
      const causes: StatusCause[] = [];
      if (!validate(rest)) {
        for (const e of validate.errors ?? []) {
          const cause = toCause(e);
          if (cause) causes.push(cause);
        }
      }
      checkListUniqueness(rest, root, '', causes);
      // CEL rules assume a structurally valid object, as they do on the real server.
      if (causes.length === 0) checkCelRules(rest, root, '', causes);
      return causes;
    },
    listStrategy: lookup,
  };
}
