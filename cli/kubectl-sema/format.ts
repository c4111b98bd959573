// Output helpers of `kubectl sema`: kubectl-style tables (upper-case headers, columns padded with
// three spaces), ages (`45s`, `12m`, `3h`, `5d`), and `-o json|yaml|name|jsonpath=…` output.
import { JSONPath } from 'jsonpath-plus';
import { stringify } from 'yaml';
import { ControllerError } from '../../controller/index.js';

export type OutputFormat = 'table' | 'json' | 'yaml' | 'wide' | 'name' | 'jsonpath';

/** Validates `-o` before a command does anything, so a typo never follows an approve. */
export function outputFormat(value: string | undefined): OutputFormat {
  const v = value ?? 'table';
  if (v === 'table' || v === 'json' || v === 'yaml' || v === 'wide' || v === 'name') return v;
  if (v.startsWith('jsonpath=')) return 'jsonpath';
  throw new ControllerError(
    'SM_ERR_CONTROLLER_KUBECTL',
    `unknown output format ${JSON.stringify(v)} (use json, yaml, wide, name or jsonpath=<template>)`,
  );
}

/** Columns padded to the widest cell; the last column is not padded. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('   ')
      .trimEnd();
  return `${[line(headers), ...rows.map(line)].join('\n')}\n`;
}

/** kubectl's short duration: seconds under 2 minutes, then minutes, hours, days. */
export function age(timestamp: string | undefined, now = Date.now()): string {
  const t = Date.parse(timestamp ?? '');
  if (Number.isNaN(t)) return '<unknown>';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/** Strips server bookkeeping nobody reads in a terminal. */
function clean<T>(obj: T): T {
  const copy = structuredClone(obj) as { metadata?: { managedFields?: unknown } };
  if (copy.metadata) delete copy.metadata.managedFields;
  return copy as T;
}

export function document(value: unknown, format: 'json' | 'yaml'): string {
  const v = Array.isArray(value) ? { apiVersion: 'v1', kind: 'List', items: value.map(clean) } : clean(value);
  return format === 'json' ? `${JSON.stringify(v, null, 2)}\n` : stringify(v);
}

export const firstLine = (s: string | undefined, max = 80): string => {
  const line = (s ?? '').split('\n')[0];
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

const kubectlError = (message: string) => new ControllerError('SM_ERR_CONTROLLER_KUBECTL', message);

/**
 * kubectl's `-o jsonpath=` templates: literal text and `{.path}` expressions (evaluated with
 * jsonpath-plus against the object, or a `List` for several); several matches are joined by spaces.
 * `{range}` loops are not supported and say so.
 */
export function jsonpath(value: unknown, template: string): string {
  let out = '';
  let rest = template;
  while (rest.length > 0) {
    const open = rest.indexOf('{');
    if (open < 0) {
      out += rest;
      break;
    }
    out += rest.slice(0, open);
    const close = rest.indexOf('}', open);
    if (close < 0) throw kubectlError(`jsonpath: unclosed "{" in ${JSON.stringify(template)}`);
    const expr = rest.slice(open + 1, close).trim();
    rest = rest.slice(close + 1);
    if (/^(range|end)\b/.test(expr))
      throw kubectlError('jsonpath: {range} is not supported; use -o json with jq');
    if (/^"(.*)"$/s.test(expr)) {
      out += JSON.parse(expr) as string;
      continue;
    }
    if (!expr.startsWith('.') && !expr.startsWith('$') && !expr.startsWith('['))
      throw kubectlError(`jsonpath: ${JSON.stringify(expr)} must start with "."`);
    const path = expr.startsWith('$') ? expr : `$${expr}`;
    let found: unknown[];
    try {
      found = JSONPath({ path, json: value as object, wrap: true, eval: false }) as unknown[];
    } catch (err) {
      throw kubectlError(`jsonpath: ${(err as Error).message}`);
    }
    out += found.map((v) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v))).join(' ');
  }
  return out;
}

/** `-o json|yaml|name|jsonpath=…` for objects of `resource`; undefined for table and wide (validated). */
export function structured(
  value: { metadata: { name: string } } | { metadata: { name: string } }[],
  output: string | undefined,
  resource: string,
): string | undefined {
  const f = output ?? 'table';
  if (f === 'json' || f === 'yaml') return document(value, f);
  const items = Array.isArray(value) ? value : [value];
  if (f === 'name') return items.map((o) => `${resource}.semamesh.io/${o.metadata.name}\n`).join('');
  if (f.startsWith('jsonpath=')) {
    const doc = Array.isArray(value) ? { apiVersion: 'v1', kind: 'List', items: value } : value;
    return jsonpath(doc, f.slice('jsonpath='.length));
  }
  outputFormat(f);
  return undefined;
}
