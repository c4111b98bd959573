// Output helpers of `kubectl sema`: kubectl-style tables (upper-case headers, columns padded with
// three spaces), ages (`45s`, `12m`, `3h`, `5d`), and `-o json|yaml` documents.
import { stringify } from 'yaml';
import { ControllerError } from '../../controller/index.js';

export type OutputFormat = 'table' | 'json' | 'yaml' | 'wide';

export function outputFormat(value: string | undefined): OutputFormat {
  const v = value ?? 'table';
  if (v === 'table' || v === 'json' || v === 'yaml' || v === 'wide') return v;
  throw new ControllerError(
    'SM_ERR_CONTROLLER_KUBECTL',
    `unknown output format ${JSON.stringify(v)} (use json, yaml or wide)`,
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
