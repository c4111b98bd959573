// The diagnostic a validation reports: a code, a message and where in which file, printed as `file:line:col: CODE: message`.
import type { ApiErrorCode } from './errors.js';

export type Severity = 'error' | 'warning' | 'note';

/** Notes are not problems: they say a document was skipped on purpose (another API group, not an object). */
export const NOTE_IGNORED = 'SM_NOTE_API_IGNORED';
export type DiagnosticCode = ApiErrorCode | typeof NOTE_IGNORED;

export interface Diagnostic {
  file: string;
  /** 1-based; 0 when the problem has no position (an unreadable file). */
  line: number;
  /** 1-based; 0 when the problem has no position. */
  col: number;
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  /** Dotted path of the offending field (`spec.rules[0].action`) when the problem is in a field. */
  path?: string;
}

/** A path into a parsed document: map keys and sequence indexes. */
export type PathSegment = string | number;

/** A problem found in a plain object, before it is placed in a file. */
export interface Issue {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  path: PathSegment[];
  /** Point at the key of the last segment (unknown fields) rather than at its value. */
  atKey?: boolean;
}

/** `spec.rules[0].action`; the empty path is the document itself. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.col}` : d.file;
  const prefix = d.severity === 'error' ? '' : `${d.severity}: `;
  return `${where}: ${prefix}${d.code}: ${d.message}`;
}

/** Stable order for output: by file, then position, then code. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.col - b.col || a.code.localeCompare(b.code);
}
