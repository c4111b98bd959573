// The schema-checking half of json.verify_schema / json.match_schema, written after the parser
// OPA v1.22.4 vendors (gojsonschema): it walks a schema keyword by keyword in that parser's order
// and stops at the first problem, so an invalid schema yields OPA's exact message. Documents are
// still validated by ajv (json-schema.ts); this module only decides whether a schema is valid.
import type { Json } from './args.js';
import { goJson } from './core.js';
import { compileRegex } from './regex.js';

type Obj = { [k: string]: Json };

/** Drafts as gojsonschema numbers them; "hybrid" (no $schema) accepts the union and sorts last. */
const DRAFT4 = 4;
const DRAFT6 = 6;
const DRAFT7 = 7;
const HYBRID = Number.MAX_SAFE_INTEGER;

const DRAFT_URLS: Record<string, number> = {
  'http://json-schema.org/draft-04/schema': DRAFT4,
  'http://json-schema.org/draft-06/schema': DRAFT6,
  'http://json-schema.org/draft-07/schema': DRAFT7,
};

const JSON_TYPES = ['array', 'boolean', 'integer', 'number', 'null', 'object', 'string'];

/** A schema the parser rejects; `message` is gojsonschema's text, without OPA's prefix. */
export class SchemaParseError extends Error {}

function fail(message: string): never {
  throw new SchemaParseError(message);
}
function invalidType(expected: string, given: string): never {
  fail(`Invalid type. Expected: ${expected}, given: ${given}`);
}
function mustBeOfA(x: string, y: string): never {
  fail(`${x} must be of a ${y}`);
}
function mustBeOfAn(x: string, y: string): never {
  fail(`${x} must be of an ${y}`);
}
function mustBeOfType(key: string, type: string): never {
  fail(`${key} must be of type ${type}`);
}

const isObj = (v: Json | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isSchemaNode = (v: Json | undefined): boolean => typeof v === 'boolean' || isObj(v);
const has = (m: Obj, k: string): boolean => Object.hasOwn(m, k);

function getString(m: Obj, key: string): string | undefined {
  if (!has(m, key)) return undefined;
  const v = m[key];
  return typeof v === 'string' ? v : invalidType('string', key);
}

function getArray(m: Obj, key: string): Json[] | undefined {
  if (!has(m, key)) return undefined;
  const v = m[key];
  return Array.isArray(v) ? v : mustBeOfAn(key, 'array');
}

/** A non-negative-checked integer keyword (minLength, maxItems, …), or undefined when absent. */
function getCount(m: Obj, key: string): number | undefined {
  if (!has(m, key)) return undefined;
  const v = m[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) return mustBeOfAn(key, 'integer');
  if (v < 0) fail(`${key} must be greater than or equal to 0`);
  return v;
}

/** Resolves a `#/a/b` JSON pointer in the root document with gojsonpointer's messages. */
function resolvePointer(root: Json, pointer: string): Json {
  if (pointer === '') return root;
  if (!pointer.startsWith('/')) return root;
  let node: Json = root;
  for (const token of pointer.slice(1).split('/')) {
    if (isObj(node)) {
      const key = token.replaceAll('~1', '/').replaceAll('~0', '~');
      if (!has(node, key)) fail(`Object has no key '${key}'`);
      node = node[key] as Json;
    } else if (Array.isArray(node)) {
      if (!/^[+-]?\d+$/.test(token)) fail(`Invalid array index '${token}'`);
      const index = Number(token);
      if (index < 0 || index >= node.length) fail(`Out of bound array[0,${node.length}] index '${index}'`);
      node = node[index] as Json;
    } else {
      fail(`Invalid token reference '${token}'`);
    }
  }
  return node;
}

/** Only references into the schema itself are resolved; others are left to ajv. */
export class NonLocalRef extends Error {}

class Parser {
  private readonly seenRefs = new Set<string>();

  constructor(
    private readonly root: Json,
    private readonly draft: number,
  ) {}

  parse(node: Json | undefined): void {
    if (this.draft >= DRAFT6 && typeof node === 'boolean') return;
    if (!isObj(node)) fail('Expected: Valid Schema, given: Invalid JSON');
    const m = node;
    const idKey = this.draft === DRAFT4 || (this.draft === HYBRID && has(m, 'id')) ? 'id' : '$id';
    getString(m, idKey);
    this.definitions(m);
    getString(m, 'title');
    getString(m, 'description');
    const ref = getString(m, '$ref');
    if (ref !== undefined && !this.seenRefs.has(ref)) {
      this.reference(ref);
      return;
    }
    this.types(m);
    this.subschemas(m);
    this.numbers(m);
    this.strings(m);
    this.objects(m);
    this.arrays(m);
    this.values(m);
    this.combinators(m);
  }

  private definitions(m: Obj): void {
    if (!has(m, 'definitions')) return;
    const defs = m.definitions;
    if (!isObj(defs)) invalidType('Array Of Schemas', 'definitions');
    for (const v of Object.values(defs)) {
      if (!isSchemaNode(v)) invalidType('Array Of Schemas', 'definitions');
      this.parse(v);
    }
  }

  private reference(ref: string): void {
    const hash = ref.indexOf('#');
    if (hash !== 0) throw new NonLocalRef(ref);
    this.seenRefs.add(ref);
    const target = resolvePointer(this.root, decodeURIComponent(ref.slice(1)));
    if (!isSchemaNode(target)) mustBeOfType('Valid Schema', 'object');
    this.parse(target);
  }

  private types(m: Obj): void {
    if (!has(m, 'type')) return;
    const t = m.type;
    const names =
      typeof t === 'string' ? [t] : Array.isArray(t) ? t : invalidType('type', 'string/Array Of Strings');
    const seen: string[] = [];
    for (const name of names) {
      if (typeof name !== 'string') invalidType('type', 'string/Array Of Strings');
      const s = name as string;
      if (!JSON_TYPES.includes(s))
        fail(
          `has a primitive type that is NOT VALID -- given: /${s}/ Expected valid values are:[${JSON_TYPES.join(' ')}]`,
        );
      if (seen.includes(s)) fail(`${s} type is duplicated`);
      seen.push(s);
    }
  }

  /** properties … additionalItems, in the parser's order. */
  private subschemas(m: Obj): void {
    if (has(m, 'properties')) {
      if (!isObj(m.properties)) mustBeOfType('Properties', 'object');
      for (const v of Object.values(m.properties as Obj)) this.parse(v);
    }
    if (has(m, 'additionalProperties')) this.boolOrSchema(m.additionalProperties, 'additionalProperties');
    if (has(m, 'patternProperties')) {
      const pp = m.patternProperties;
      if (!isObj(pp)) invalidType('Valid Schema', 'patternProperties');
      for (const [pattern, v] of Object.entries(pp)) {
        if (!validRegex(pattern)) fail(`Invalid regex pattern '${pattern}'`);
        this.parse(v);
      }
    }
    if (has(m, 'propertyNames') && this.draft >= DRAFT6) {
      if (!isSchemaNode(m.propertyNames)) invalidType('Valid Schema', 'patternProperties');
      this.parse(m.propertyNames);
    }
    if (has(m, 'dependencies')) this.dependencies(m.dependencies);
    if (has(m, 'items')) {
      const items = m.items;
      if (Array.isArray(items)) {
        for (const item of items) {
          if (!isSchemaNode(item)) invalidType('Valid Schema/Array Of Schemas', 'items');
          this.parse(item);
        }
      } else if (isSchemaNode(items)) {
        this.parse(items);
      } else {
        invalidType('Valid Schema/Array Of Schemas', 'items');
      }
    }
    if (has(m, 'additionalItems')) this.boolOrSchema(m.additionalItems, 'additionalItems');
  }

  private boolOrSchema(v: Json | undefined, key: string): void {
    if (typeof v === 'boolean') return;
    if (!isObj(v)) invalidType('boolean/Valid Schema', key);
    this.parse(v);
  }

  private dependencies(deps: Json | undefined): void {
    if (!isObj(deps)) mustBeOfType('dependencies', 'object');
    for (const v of Object.values(deps)) {
      if (Array.isArray(v)) {
        if (v.some((s) => typeof s !== 'string')) mustBeOfType('Dependency', 'Schema Or Array Of Strings');
      } else if (isSchemaNode(v)) {
        this.parse(v);
      } else {
        mustBeOfType('Dependency', 'Schema Or Array Of Strings');
      }
    }
  }

  private numbers(m: Obj): void {
    if (has(m, 'multipleOf')) {
      const v = m.multipleOf;
      if (typeof v !== 'number') invalidType('Number', 'multipleOf');
      if (v <= 0) fail('multipleOf must be strictly greater than 0');
    }
    for (const [limit, exclusive] of [
      ['minimum', 'exclusiveMinimum'],
      ['maximum', 'exclusiveMaximum'],
    ] as const) {
      if (has(m, limit) && typeof m[limit] !== 'number') mustBeOfA(limit, 'Number');
      if (has(m, exclusive))
        this.exclusive(m[exclusive] as Json, exclusive, has(m, limit) ? limit : undefined, limit);
    }
  }

  private exclusive(v: Json, key: string, limitPresent: string | undefined, limit: string): void {
    if (typeof v === 'boolean' && this.draft !== DRAFT6 && this.draft !== DRAFT7) {
      if (limitPresent === undefined) fail(`${key} cannot be used without ${limit}`);
      return;
    }
    if (this.draft === DRAFT4) invalidType('boolean', key);
    if (typeof v !== 'number') invalidType(this.draft === HYBRID ? 'boolean/number' : 'number', key);
  }

  private strings(m: Obj): void {
    const min = getCount(m, 'minLength');
    const max = getCount(m, 'maxLength');
    if (min !== undefined && max !== undefined && min > max)
      fail('minLength cannot be greater than maxLength');
    const pattern = getString(m, 'pattern');
    if (pattern !== undefined && !validRegex(pattern)) fail('pattern must be a valid regex');
    getString(m, 'format');
  }

  private objects(m: Obj): void {
    const min = getCount(m, 'minProperties');
    const max = getCount(m, 'maxProperties');
    if (min !== undefined && max !== undefined && min > max)
      fail('minProperties cannot be greater than maxProperties');
    const required: string[] = [];
    for (const name of getArray(m, 'required') ?? []) {
      if (typeof name !== 'string') invalidType('string', 'required');
      if (required.includes(name)) fail('required items must be unique');
      required.push(name);
    }
  }

  private arrays(m: Obj): void {
    getCount(m, 'minItems');
    getCount(m, 'maxItems');
    if (has(m, 'uniqueItems') && typeof m.uniqueItems !== 'boolean') mustBeOfA('uniqueItems', 'boolean');
    if (has(m, 'contains') && this.draft >= DRAFT6) this.parse(m.contains);
  }

  private values(m: Obj): void {
    const seen = new Set<string>();
    for (const v of getArray(m, 'enum') ?? []) {
      const text = goJson(v);
      if (seen.has(text)) fail('enum items must be unique');
      seen.add(text);
    }
  }

  private combinators(m: Obj): void {
    for (const key of ['oneOf', 'anyOf', 'allOf']) for (const v of getArray(m, key) ?? []) this.parse(v);
    const conditional = this.draft >= DRAFT7 ? ['not', 'if', 'then', 'else'] : ['not'];
    for (const key of conditional) {
      if (!has(m, key)) continue;
      if (!isSchemaNode(m[key])) mustBeOfAn(key, 'object');
      this.parse(m[key]);
    }
  }
}

/** Go's regexp (RE2) decides which patterns are valid, as in OPA. */
function validRegex(pattern: string): boolean {
  try {
    compileRegex(pattern);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks `schema` as gojsonschema would; throws SchemaParseError with its first message, or
 * NonLocalRef for a `$ref` outside the document (which ajv then judges).
 */
export function checkSchema(schema: Json): void {
  if (typeof schema === 'boolean') return;
  if (!isObj(schema)) fail('schema is invalid');
  let draft = HYBRID;
  if (has(schema, '$schema')) {
    const url = schema.$schema;
    if (typeof url !== 'string') mustBeOfType('$schema', 'string');
    draft = DRAFT_URLS[url.endsWith('#') ? url.slice(0, -1) : url] ?? HYBRID;
  }
  new Parser(schema, draft).parse(schema);
}
