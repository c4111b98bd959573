// Evaluates the CRDs' CEL validation rules (x-kubernetes-validations) with @marcbachmann/cel-js, so local
// validation runs the very expressions the API server runs instead of hand-written twins.
import { parse } from '@marcbachmann/cel-js';

type JsonSchema = Record<string, unknown>;
type Program = ReturnType<typeof parse>;

/** What one rule made of one value: held, did not hold, or could not be evaluated (with why). */
export type CelOutcome = { ok: true } | { ok: false; error?: string };

const programs = new Map<string, Program | Error>();

/** Parses a rule once; a rule cel-js cannot parse is remembered as its parse error. */
export function compileCelRule(rule: string): Program | Error {
  let p = programs.get(rule);
  if (!p) {
    try {
      p = parse(rule);
    } catch (err) {
      p = err instanceof Error ? err : new Error(String(err));
    }
    programs.set(rule, p);
  }
  return p;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function childSchema(schema: JsonSchema | undefined, key: string): JsonSchema | undefined {
  const props = schema?.properties;
  if (isObject(props) && isObject(props[key])) return props[key] as JsonSchema;
  if (isObject(schema?.additionalProperties)) return schema.additionalProperties as JsonSchema;
  return undefined;
}

/**
 * JSON → CEL values the way the API server types them: integers become int (BigInt) unless the
 * schema says number, and absent properties with a schema default take it (the server defaults
 * before it validates, so rules may rely on defaulted fields).
 */
export function toCelValue(value: unknown, schema: JsonSchema | undefined): unknown {
  if (typeof value === 'number')
    return Number.isInteger(value) && schema?.type !== 'number' ? BigInt(value) : value;
  if (Array.isArray(value)) {
    const items = isObject(schema?.items) ? (schema.items as JsonSchema) : undefined;
    return value.map((v) => toCelValue(v, items));
  }
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    const props = isObject(schema?.properties) ? (schema.properties as Record<string, JsonSchema>) : {};
    for (const [k, sub] of Object.entries(props))
      if (!(k in value) && isObject(sub) && sub.default !== undefined) out[k] = toCelValue(sub.default, sub);
    for (const [k, v] of Object.entries(value)) out[k] = toCelValue(v, childSchema(schema, k));
    return out;
  }
  return value;
}

/**
 * Runs one rule with `self` bound to `value` (whose schema is `schema`). Never throws: a rule that
 * does not parse or errors at runtime (no such key, wrong type) is reported as not holding, with the
 * reason, as the API server rejects an object whose rule errors.
 */
export function evaluateCelRule(rule: string, value: unknown, schema: JsonSchema | undefined): CelOutcome {
  const program = compileCelRule(rule);
  if (program instanceof Error) return { ok: false, error: `the rule does not parse: ${program.message}` };
  try {
    const result = program({ self: toCelValue(value, schema) });
    if (result === true) return { ok: true };
    if (result === false) return { ok: false };
    return { ok: false, error: `the rule returned ${typeof result}, not a bool` };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
