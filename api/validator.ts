// Validates plain objects against the kind schemas with ajv and turns ajv's errors into coded, path-carrying issues.
import { Ajv, type ErrorObject, type SchemaValidateFunction, type ValidateFunction } from 'ajv';
import addFormatsPlugin from 'ajv-formats';
import { evaluateCelRule } from './cel.js';
import { API_VERSION, GROUP, isKind, KINDS, type Kind, VERSION } from './constants.js';
import { formatPath, type Issue, NOTE_IGNORED, type PathSegment } from './diagnostics.js';
import { API_ERROR_CODES } from './errors.js';
import { re2Problem } from './regex-check.js';
import { KIND_DEFINITIONS } from './registry.js';
import { PATTERN_HINTS, REGEX_KEYWORD } from './schema-helpers.js';

interface CelRule {
  rule: string;
  message: string;
  fieldPath?: string;
}

/** Wraps a check that lists its errors into the function shape ajv's `validate` keywords expect. */
function keyword<S>(
  check: (schema: S, data: unknown, parentSchema: Record<string, unknown>) => Partial<ErrorObject>[],
): SchemaValidateFunction {
  const validate: SchemaValidateFunction = (schema: S, data: unknown, parentSchema?: object) => {
    const errors = check(schema, data, (parentSchema ?? {}) as Record<string, unknown>);
    validate.errors = errors;
    return errors.length === 0;
  };
  return validate;
}

/**
 * The CEL rules, evaluated with cel-js exactly as written in the CRD. A rule that errors (say, on a
 * value of the wrong type that ajv also reports) counts as failed, never as a crash.
 */
const celKeyword = keyword<CelRule[]>((rules, data, parentSchema) => {
  const errors: Partial<ErrorObject>[] = [];
  for (const r of rules) {
    const outcome = evaluateCelRule(r.rule, data, parentSchema);
    if (outcome.ok) continue;
    const message = outcome.error
      ? `${r.message} (rule could not be evaluated: ${outcome.error})`
      : r.message;
    errors.push({ keyword: 'x-kubernetes-validations', message, params: { ...r } });
  }
  return errors;
});

const regexKeyword = keyword<string>((_kind, data) => {
  const problem = typeof data === 'string' ? re2Problem(data) : undefined;
  return problem ? [{ keyword: REGEX_KEYWORD, message: problem, params: {} }] : [];
});

/** Entries of a `x-kubernetes-list-type: map` list must differ in their keys, as the API server enforces. */
const listMapKeysKeyword = keyword<string[]>((keys, data) => {
  const errors: Partial<ErrorObject>[] = [];
  if (!Array.isArray(data)) return errors;
  const seen = new Map<string, number>();
  data.forEach((item, index) => {
    if (item === null || typeof item !== 'object') return;
    const values = keys.map((k) => (item as Record<string, unknown>)[k]);
    const id = JSON.stringify(values);
    const first = seen.get(id);
    if (first === undefined) {
      seen.set(id, index);
      return;
    }
    const what = keys.map((k, i) => `${k} ${JSON.stringify(values[i])}`).join(', ');
    errors.push({
      keyword: 'x-kubernetes-list-map-keys',
      message: `duplicate entry: ${what} is already used by entry [${first}]`,
      params: { index },
    });
  });
  return errors;
});

function createAjv(useDefaults: boolean): Ajv {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, useDefaults });
  addFormatsPlugin.default(ajv, ['date-time', 'int32', 'int64', 'double']);
  ajv.addKeyword({
    keyword: 'x-kubernetes-validations',
    schemaType: 'array',
    errors: true,
    validate: celKeyword,
  });
  ajv.addKeyword({ keyword: REGEX_KEYWORD, schemaType: 'string', errors: true, validate: regexKeyword });
  ajv.addKeyword({
    keyword: 'x-kubernetes-list-map-keys',
    schemaType: 'array',
    errors: true,
    validate: listMapKeysKeyword,
  });
  ajv.addKeyword({ keyword: 'x-kubernetes-list-type', schemaType: 'string' });
  return ajv;
}

const validators = new Map<Kind, ValidateFunction>();
const defaulters = new Map<Kind, ValidateFunction>();

function validatorFor(kind: Kind, useDefaults = false): ValidateFunction {
  const cache = useDefaults ? defaulters : validators;
  let fn = cache.get(kind);
  if (!fn) {
    fn = (useDefaults ? defaultingAjv() : validatingAjv()).compile(KIND_DEFINITIONS[kind].schema);
    cache.set(kind, fn);
  }
  return fn;
}

let validating: Ajv | undefined;
let defaulting: Ajv | undefined;
const validatingAjv = () => {
  validating ??= createAjv(false);
  return validating;
};
const defaultingAjv = () => {
  defaulting ??= createAjv(true);
  return defaulting;
};

function pointerToPath(pointer: string): PathSegment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `string ${JSON.stringify(value)}`;
  if (typeof value === 'number') return Number.isInteger(value) ? `integer ${value}` : `number ${value}`;
  return `${typeof value} ${String(value)}`;
}

/** Small edit distance, for "did you mean" on unknown fields. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(
        row[j] + 1,
        row[j - 1] + 1,
        prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1),
      );
      prev = tmp;
    }
  }
  return row[b.length];
}

function suggestion(unknown: string, known: string[]): string {
  const best = known
    .map((k) => ({ k, d: distance(unknown, k) }))
    .filter(({ d }) => d <= Math.max(1, Math.floor(unknown.length / 3)))
    .sort((x, y) => x.d - y.d)[0];
  return best ? ` (did you mean "${best.k}"?)` : ` (known fields: ${known.join(', ')})`;
}

function issueFrom(e: ErrorObject): Issue {
  const path = pointerToPath(e.instancePath);
  const where = formatPath(path) || 'document';
  const schema = (e.parentSchema ?? {}) as Record<string, unknown>;
  const { SCHEMA } = API_ERROR_CODES;
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = String(e.params.additionalProperty);
      const known = Object.keys((schema.properties as object | undefined) ?? {});
      return {
        code: API_ERROR_CODES.UNKNOWN_FIELD,
        severity: 'error',
        message: `${where}: unknown field "${field}"${suggestion(field, known)}`,
        path: [...path, field],
        atKey: true,
      };
    }
    case 'required':
      return {
        code: SCHEMA,
        severity: 'error',
        message: `${where}: missing required field "${e.params.missingProperty}"`,
        path,
      };
    case 'type':
      return {
        code: SCHEMA,
        severity: 'error',
        message: `${where}: expected ${e.params.type}, got ${describe(e.data)}`,
        path,
      };
    case 'enum':
      return {
        code: SCHEMA,
        severity: 'error',
        message: `${where}: ${describe(e.data)} is not one of ${(e.params.allowedValues as unknown[]).join(', ')}`,
        path,
      };
    case 'pattern': {
      const hint = PATTERN_HINTS[String(e.params.pattern)];
      const wanted = hint ? `is not ${hint}` : `does not match the pattern ${e.params.pattern}`;
      return { code: SCHEMA, severity: 'error', message: `${where}: ${describe(e.data)} ${wanted}`, path };
    }
    case 'format': {
      const fmt = String(e.params.format);
      const wanted =
        fmt === 'date-time' ? 'an RFC 3339 date-time such as 2025-01-31T12:00:00Z' : `a valid ${fmt}`;
      return {
        code: SCHEMA,
        severity: 'error',
        message: `${where}: ${describe(e.data)} is not ${wanted}`,
        path,
      };
    }
    case 'x-kubernetes-validations': {
      const fieldPath = typeof e.params.fieldPath === 'string' ? e.params.fieldPath : '';
      const full = [...path, ...fieldPath.split('.').filter(Boolean)];
      return {
        code: API_ERROR_CODES.CONSTRAINT,
        severity: 'error',
        message: `${where}: ${e.message}`,
        path: full,
      };
    }
    case 'x-kubernetes-list-map-keys': {
      const item = [...path, Number(e.params.index)];
      return {
        code: API_ERROR_CODES.CONSTRAINT,
        severity: 'error',
        message: `${formatPath(item)}: ${e.message}`,
        path: item,
      };
    }
    case REGEX_KEYWORD:
      return {
        code: API_ERROR_CODES.REGEX,
        severity: 'error',
        message: `${where}: regex \`${String(e.data)}\` ${e.message}`,
        path,
      };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { code: SCHEMA, severity: 'error', message: `${where}: ${describe(e.data)} ${e.message}`, path };
    default:
      return { code: SCHEMA, severity: 'error', message: `${where}: ${e.message ?? 'is invalid'}`, path };
  }
}

/** A wrong type makes every other complaint about the same value noise; keep only the type error there. */
function pruneNoise(errors: ErrorObject[]): ErrorObject[] {
  const typed = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  const seen = new Set<string>();
  return errors.filter((e) => {
    if (typed.has(e.instancePath) && e.keyword !== 'type') return false;
    const id = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** What a parsed document is, judged from apiVersion and kind alone. */
export type Classification =
  | { type: 'semamesh'; kind: Kind }
  | { type: 'ignored'; issue: Issue }
  | { type: 'invalid'; issue: Issue };

export function classify(doc: unknown): Classification {
  const { TYPE_META, UNKNOWN_KIND, UNKNOWN_VERSION } = API_ERROR_CODES;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    const issue: Issue = {
      code: TYPE_META,
      severity: 'error',
      message: `a Kubernetes manifest must be a map with apiVersion and kind, got ${describe(doc)}`,
      path: [],
    };
    return { type: 'invalid', issue };
  }
  const { apiVersion, kind } = doc as Record<string, unknown>;
  if (apiVersion === undefined && kind === undefined) {
    const message = 'not a Kubernetes object (no apiVersion, no kind): ignored';
    return { type: 'ignored', issue: { code: NOTE_IGNORED, severity: 'note', message, path: [] } };
  }
  const missing = (field: string): Classification => ({
    type: 'invalid',
    issue: { code: TYPE_META, severity: 'error', message: `missing or empty "${field}"`, path: [] },
  });
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    return apiVersion === undefined
      ? missing('apiVersion')
      : { type: 'invalid', issue: typeError('apiVersion', apiVersion) };
  }
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  if (group !== GROUP) {
    const message = `${String(kind)} (${apiVersion}) is not a SemaMesh resource: ignored`;
    return { type: 'ignored', issue: { code: NOTE_IGNORED, severity: 'note', message, path: [] } };
  }
  if (typeof kind !== 'string' || kind === '')
    return kind === undefined ? missing('kind') : { type: 'invalid', issue: typeError('kind', kind) };
  if (!isKind(kind)) {
    const message = `unknown kind "${kind}" in ${GROUP}; known kinds: ${KINDS.join(', ')}`;
    return { type: 'invalid', issue: { code: UNKNOWN_KIND, severity: 'error', message, path: ['kind'] } };
  }
  if (apiVersion !== API_VERSION) {
    const message = `unknown version "${apiVersion.slice(slash + 1)}" of ${GROUP}; this SemaMesh serves ${VERSION} (apiVersion: ${API_VERSION})`;
    return {
      type: 'invalid',
      issue: { code: UNKNOWN_VERSION, severity: 'error', message, path: ['apiVersion'] },
    };
  }
  return { type: 'semamesh', kind };
}

function typeError(field: string, value: unknown): Issue {
  const message = `${field}: expected string, got ${describe(value)}`;
  return { code: API_ERROR_CODES.TYPE_META, severity: 'error', message, path: [field] };
}

/** Validates a document whose kind is known; the object is not modified. */
export function validateKind(kind: Kind, doc: unknown): Issue[] {
  const validate = validatorFor(kind);
  if (validate(doc)) return [];
  return pruneNoise(validate.errors ?? []).map(issueFrom);
}

/**
 * Validates one plain object (e.g. from the API server or already parsed YAML). Issues carry paths;
 * notes say why a foreign object was skipped. Never throws on bad input.
 */
export function validateObject(doc: unknown): Issue[] {
  const c = classify(doc);
  if (c.type !== 'semamesh') return [c.issue];
  return validateKind(c.kind, doc);
}

/**
 * A deep copy of a valid SemaMesh object with every schema default filled in (enforcement,
 * interval, window type, …), as the API server would store it. Invalid input is returned as copied.
 */
export function withDefaults<T>(doc: T): T {
  const copy = structuredClone(doc);
  const c = classify(copy);
  if (c.type === 'semamesh') validatorFor(c.kind, true)(copy);
  return copy;
}
