// x-kubernetes-validations: the CEL rules of a CRD schema, evaluated with @marcbachmann/cel-js on
// the values they sit on (`self`), reported as 422 causes the way the real server words them.
import { parse } from '@marcbachmann/cel-js';
import type { StatusCause } from './status.js';

type JsonSchema = Record<string, unknown>;
type Program = ReturnType<typeof parse>;

interface CompiledRule {
  rule: string;
  program: Program;
  message: string;
  fieldPath: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const programs = new WeakMap<JsonSchema, CompiledRule[]>();

/**
 * The rules of one schema node. Transition rules (oldSelf) and rules cel-js cannot parse are left
 * out: the first need the old object, the second would reject objects the real server accepts.
 */
function rulesOf(schema: JsonSchema): CompiledRule[] {
  const cached = programs.get(schema);
  if (cached) return cached;
  const out: CompiledRule[] = [];
  const raw = schema['x-kubernetes-validations'];
  for (const r of Array.isArray(raw) ? raw : []) {
    if (!isObject(r) || typeof r.rule !== 'string' || /\boldSelf\b/.test(r.rule)) continue;
    try {
      out.push({
        rule: r.rule,
        program: parse(r.rule),
        message: typeof r.message === 'string' ? r.message : `failed rule: ${r.rule}`,
        fieldPath: typeof r.fieldPath === 'string' ? r.fieldPath : '',
      });
    } catch {
      // unparseable for cel-js: skipped, see above
    }
  }
  programs.set(schema, out);
  return out;
}

/** JSON → CEL values: integers become int (BigInt) unless the schema says number. */
function toCel(value: unknown, schema: JsonSchema | undefined): unknown {
  if (typeof value === 'number')
    return Number.isInteger(value) && schema?.type !== 'number' ? BigInt(value) : value;
  if (Array.isArray(value)) {
    const items = isObject(schema?.items) ? (schema.items as JsonSchema) : undefined;
    return value.map((v) => toCel(v, items));
  }
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toCel(v, childSchema(schema, k));
    return out;
  }
  return value;
}

function childSchema(schema: JsonSchema | undefined, key: string): JsonSchema | undefined {
  if (!schema) return undefined;
  const props = schema.properties;
  if (isObject(props) && isObject(props[key])) return props[key] as JsonSchema;
  if (isObject(schema.additionalProperties)) return schema.additionalProperties as JsonSchema;
  return undefined;
}

function typeWord(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (isObject(v)) return 'object';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** Evaluates every rule under `schema` on `value`; `path` is the Kubernetes field path of value. */
export function checkCelRules(value: unknown, schema: JsonSchema, path: string, out: StatusCause[]): void {
  if (value === undefined || value === null) return;
  const rules = rulesOf(schema);
  if (rules.length > 0) {
    const self = toCel(value, schema);
    for (const r of rules) {
      let ok: unknown;
      let error = '';
      try {
        ok = r.program({ self });
      } catch (err) {
        error = `: ${(err as Error).message}`;
      }
      if (ok !== true) {
        const field = path + r.fieldPath;
        out.push({
          reason: 'FieldValueInvalid',
          message: `Invalid value: "${typeWord(value)}": ${r.message}${error}`,
          field,
        });
      }
    }
  }
  if (Array.isArray(value)) {
    if (isObject(schema.items)) {
      const items = schema.items as JsonSchema;
      value.forEach((item, i) => {
        checkCelRules(item, items, `${path}[${i}]`, out);
      });
    }
    return;
  }
  if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      const sub = childSchema(schema, k);
      if (sub) checkCelRules(v, sub, path ? `${path}.${k}` : k, out);
    }
  }
}
