// json.verify_schema and json.match_schema: the schema is checked by the gojsonschema-style parser
// (json-schema-parse.ts, OPA's messages), documents are validated by ajv (draft-07) with errors
// reshaped into the {error, type, field, desc} records OPA produces for the common keywords.
import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import type { Json } from './args.js';
import { goJson } from './core.js';
import { checkSchema, SchemaParseError } from './json-schema-parse.js';

const require = createRequire(import.meta.url);
let ajv: Ajv | undefined;

/** The validator, built by the first json.*_schema call (most policies never make one). */
function validator(): Ajv {
  if (!ajv) {
    const { Ajv: AjvClass } = require('ajv') as typeof import('ajv');
    ajv = new AjvClass({ allErrors: true, strict: false, validateSchema: false, verbose: true });
  }
  return ajv;
}
const cache = new Map<string, ValidateFunction>();

/** A schema or document given as a JSON string or as an object, as OPA's loader accepts them. */
function asValue(v: Json): Json {
  if (typeof v === 'string') {
    try {
      return JSON.parse(v) as Json;
    } catch (err) {
      throw new Error('jsonschema: invalid JSON string', { cause: err });
    }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new Error('jsonschema: wrong type, expected string or object');
  return v;
}

/**
 * The first gojsonschema parse error of `schema` (with OPA's prefix), null when it parses, or
 * undefined when the parser cannot decide (a `$ref` outside the document), leaving it to ajv.
 */
function parseError(schema: Json): string | null | undefined {
  try {
    checkSchema(schema);
    return null;
  } catch (err) {
    if (err instanceof SchemaParseError) return `jsonschema: ${err.message}`;
    return undefined;
  }
}

function compile(schema: Json): ValidateFunction {
  const key = goJson(schema);
  let fn = cache.get(key);
  if (fn === undefined) {
    const problem = parseError(schema);
    if (typeof problem === 'string') throw new Error(problem);
    fn = validator().compile(schema as object);
    if (cache.size >= 64) cache.delete(cache.keys().next().value as string);
    cache.set(key, fn);
  }
  return fn;
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function fieldOf(path: string): string {
  return path === '' ? '(Root)' : path.slice(1).split('/').join('.');
}

interface SchemaError {
  error: string;
  type: string;
  field: string;
  desc: string;
}

function describe(e: ErrorObject): Omit<SchemaError, 'error' | 'field'> {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'type':
      return { type: 'invalid_type', desc: `Invalid type. Expected: ${p.type}, given: ${jsonType(e.data)}` };
    case 'required':
      return { type: 'required', desc: `${p.missingProperty} is required` };
    case 'minimum':
      return { type: 'number_gte', desc: `Must be greater than or equal to ${p.limit}` };
    case 'maximum':
      return { type: 'number_lte', desc: `Must be less than or equal to ${p.limit}` };
    case 'exclusiveMinimum':
      return { type: 'number_gt', desc: `Must be greater than ${p.limit}` };
    case 'exclusiveMaximum':
      return { type: 'number_lt', desc: `Must be less than ${p.limit}` };
    case 'minLength':
      return { type: 'string_gte', desc: `String length must be greater than or equal to ${p.limit}` };
    case 'maxLength':
      return { type: 'string_lte', desc: `String length must be less than or equal to ${p.limit}` };
    case 'pattern':
      return { type: 'pattern', desc: `Does not match pattern '${p.pattern}'` };
    case 'additionalProperties':
      return {
        type: 'additional_property_not_allowed',
        desc: `Additional property ${p.additionalProperty} is not allowed`,
      };
    case 'minItems':
      return { type: 'array_min_items', desc: `Array must have at least ${p.limit} items` };
    case 'maxItems':
      return { type: 'array_max_items', desc: `Array must have at most ${p.limit} items` };
    case 'enum':
      return {
        type: 'enum',
        desc: `must be one of the following: ${(p.allowedValues as Json[]).map((v) => goJson(v)).join(', ')}`,
      };
    case 'const':
      return { type: 'const', desc: `does not match: ${goJson(p.allowedValue as Json)}` };
    default:
      return { type: e.keyword, desc: e.message ?? e.keyword };
  }
}

function toSchemaError(e: ErrorObject): SchemaError {
  const { type, desc } = describe(e);
  const field = fieldOf(e.instancePath);
  const text = type === 'enum' || type === 'const' ? `${field} ${desc}` : desc;
  return { error: `${field}: ${text}`, type, field, desc: text };
}

export const jsonSchemaBuiltins = {
  'json.verify_schema': (schema: Json) => {
    try {
      const value = asValue(schema);
      const problem = parseError(value);
      if (problem === null) return [true, null];
      if (problem !== undefined) return [false, problem];
      compile(value);
      return [true, null];
    } catch (err) {
      return [false, err instanceof Error ? err.message : String(err)];
    }
  },
  'json.match_schema': (document: Json, schema: Json) => {
    const validate = compile(asValue(schema));
    const ok = validate(asValue(document));
    return [ok, ok ? [] : (validate.errors ?? []).map(toSchemaError)];
  },
};
