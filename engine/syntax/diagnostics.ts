// Compiler diagnostics: collected (never thrown) with OPA's error codes and a source location.

/** OPA's error codes, so users and tools recognise them. */
export type DiagnosticCode =
  | 'rego_parse_error'
  | 'rego_compile_error'
  | 'rego_type_error'
  | 'rego_unsafe_var_error'
  | 'rego_recursion_error';

export interface DiagnosticLocation {
  file: string;
  row: number;
  col: number;
}

export interface Diagnostic {
  code: DiagnosticCode;
  message: string;
  location?: DiagnosticLocation;
}

/** OPA stops reporting after this many errors; so do we. */
export const MAX_DIAGNOSTICS = 10;

/** `file:row:col: code: message`, the format OPA prints. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.location ? `${d.location.file}:${d.location.row}:${d.location.col}: ` : '';
  return `${where}${d.code}: ${d.message}`;
}

/** Collects diagnostics up to the cap; stages check `full` to stop early. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];

  add(code: DiagnosticCode, message: string, location?: DiagnosticLocation): void {
    if (this.items.length < MAX_DIAGNOSTICS) this.items.push({ code, message, location });
  }

  get full(): boolean {
    return this.items.length >= MAX_DIAGNOSTICS;
  }

  get empty(): boolean {
    return this.items.length === 0;
  }
}
