// TypeBox building blocks that keep every schema both a valid Kubernetes structural schema and an ajv schema.
import { type Static, type TProperties, type TSchema, Type } from '@sinclair/typebox';

/**
 * Patterns are written once and run in two engines: ajv (ECMAScript, `u` flag) locally and Go's RE2
 * in the API server. So they use only the common subset: no lookarounds, no backreferences.
 */
export const PATTERNS = {
  dnsLabel: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
  dnsSubdomain: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
  labelValue: '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$',
  duration: '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$',
  sha256Hex: '^[a-f0-9]{64}$',
  digest: '^sha256:[a-f0-9]{64}$',
  httpUrl: '^https?://[^\\s]+$',
  gitCommit: '^([a-f0-9]{40}|[a-f0-9]{64})$',
  conditionType:
    '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$',
  conditionReason: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$',
} as const;

/** What each pattern means, in words, for diagnostics: a user should not have to read a regex. */
export const PATTERN_HINTS: Readonly<Record<string, string>> = {
  [PATTERNS.dnsLabel]: "a DNS label: lowercase letters, digits and '-', starting and ending alphanumeric",
  [PATTERNS.dnsSubdomain]: "a DNS subdomain: lowercase letters, digits, '-' and '.'",
  [PATTERNS.labelValue]: "a label value: letters, digits, '-', '_' and '.', starting and ending alphanumeric",
  [PATTERNS.duration]: 'a duration such as 30s, 5m, 1h or 1h30m (units ms, s, m, h)',
  [PATTERNS.sha256Hex]: 'a SHA-256 digest: 64 lowercase hex digits',
  [PATTERNS.digest]: "a digest of the form 'sha256:<64 lowercase hex digits>'",
  [PATTERNS.httpUrl]: 'an http:// or https:// URL without spaces',
  [PATTERNS.gitCommit]: 'a full Git commit id: 40 (SHA-1) or 64 (SHA-256) lowercase hex digits',
  [PATTERNS.conditionType]: 'a condition type such as Ready',
  [PATTERNS.conditionReason]: 'a CamelCase reason such as ReconciliationSucceeded',
};

/** Schema keyword (ours, stripped from the CRD) marking a string that must be a linear-time RE2 regex. */
export const REGEX_KEYWORD = 'x-semamesh-regex';

/** A Kubernetes CEL validation rule; local validation evaluates the same expression with cel-js (api/cel.ts). */
export interface Constraint {
  /** CEL expression evaluated by the API server with `self` bound to the node. */
  rule: string;
  message: string;
  /** Relative path (`.field`) of the field the message is about, used by both sides to point at it. */
  fieldPath?: string;
}

/** Schema options adding CEL rules; spread them into an object schema's options. */
export function celRules(...constraints: Constraint[]): {
  'x-kubernetes-validations': { rule: string; message: string; fieldPath?: string }[];
} {
  return {
    'x-kubernetes-validations': constraints.map(({ rule, message, fieldPath }) =>
      fieldPath ? { rule, message, fieldPath } : { rule, message },
    ),
  };
}

/** An object that rejects unknown fields (ajv); the CRD drops the flag because pruning does the same job. */
export function Obj<T extends TProperties>(properties: T, options: Record<string, unknown> = {}) {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

/** A string enum as `{type: string, enum: [...]}`: TypeBox's union of literals would be an anyOf of consts. */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: { description?: string; default?: T[number] } = {},
) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** A map with string keys, as `additionalProperties: <value>` (Type.Record emits patternProperties). */
export function MapOf<T extends TSchema>(value: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<Record<string, Static<T>>>({ type: 'object', additionalProperties: value, ...options });
}

/** A Go-style duration string (`5m`, `1h30m`), the form Flux and Kubernetes tools use. */
export function Duration(options: { description?: string; default?: string } = {}) {
  return Type.String({ pattern: PATTERNS.duration, maxLength: 64, ...options });
}

/** A regular expression matched with RE2 semantics (linear time): no backreferences, no lookarounds. */
export function Re2Regex(options: { description?: string } = {}) {
  return Type.String({ minLength: 1, maxLength: 4096, [REGEX_KEYWORD]: 're2', ...options });
}

/** An RFC 3339 timestamp, the form of metav1.Time. */
export function Timestamp(options: { description?: string } = {}) {
  return Type.String({ format: 'date-time', ...options });
}

const DURATION_UNITS_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of a duration string that matches PATTERNS.duration (`1h30m` → 5400000); undefined otherwise. */
export function parseDuration(text: string): number | undefined {
  if (!new RegExp(PATTERNS.duration).test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g))
    total += Number(m[1]) * DURATION_UNITS_MS[m[2]];
  return total;
}
