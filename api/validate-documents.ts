// Parses (multi-document) YAML and validates every SemaMesh object in it, reporting diagnostics at source positions.
import { type Document, isScalar, LineCounter, parseAllDocuments, type YAMLError } from 'yaml';
import type { Kind } from './constants.js';
import { compareDiagnostics, type Diagnostic, formatPath, type Issue } from './diagnostics.js';
import { API_ERROR_CODES } from './errors.js';
import { locateOffset } from './locate.js';
import { classify, validateKind } from './validator.js';

/** One document of the file and what validation made of it. */
export interface ValidatedDocument {
  /** 0-based position of the document in the file. */
  index: number;
  /** 1-based line where the document's content starts. */
  line: number;
  /** `semamesh`: one of our kinds; `ignored`: another group or not an object; `invalid`: unusable. */
  type: 'semamesh' | 'ignored' | 'invalid';
  kind?: Kind;
  name?: string;
  namespace?: string;
  /** The plain object (aliases resolved); undefined when the YAML could not be parsed. */
  object?: unknown;
  /** True when the document produced no error. */
  valid: boolean;
}

export interface ValidationReport {
  file: string;
  diagnostics: Diagnostic[];
  documents: ValidatedDocument[];
  errors: number;
  warnings: number;
}

/** Aliases are expanded by toJS; this bounds a "billion laughs" document. */
const MAX_ALIAS_COUNT = 100;

function yamlDiagnostic(file: string, e: YAMLError, severity: 'error' | 'warning'): Diagnostic {
  const pos = e.linePos?.[0];
  // The yaml package appends " at line L, column C:" and a source excerpt; we print the position ourselves.
  const message = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return {
    file,
    line: pos?.line ?? 1,
    col: pos?.col ?? 1,
    code: API_ERROR_CODES.YAML_SYNTAX,
    severity,
    message: `${message} (${e.code})`,
  };
}

/** `---` with nothing after it (or only `null`): kubectl skips such documents, and so do we. */
function isEmptyDocument(doc: Document): boolean {
  if (doc.errors.length > 0 || doc.warnings.length > 0) return false;
  return doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null);
}

function metaOf(object: unknown): { name?: string; namespace?: string } {
  const meta = (object as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
  return {
    name: typeof meta?.name === 'string' ? meta.name : undefined,
    namespace: typeof meta?.namespace === 'string' ? meta.namespace : undefined,
  };
}

function validateOne(
  doc: Document,
  index: number,
  file: string,
  lines: LineCounter,
  out: Diagnostic[],
): ValidatedDocument {
  const at = (issue: Issue): Diagnostic => {
    const { line, col } = lines.linePos(locateOffset(doc, issue.path, issue.atKey));
    const path = issue.path.length ? formatPath(issue.path) : undefined;
    return { file, line, col, code: issue.code, severity: issue.severity, message: issue.message, path };
  };
  const line = lines.linePos(doc.contents?.range?.[0] ?? doc.range?.[0] ?? 0).line;
  for (const w of doc.warnings) out.push(yamlDiagnostic(file, w, 'warning'));
  if (doc.errors.length > 0) {
    for (const e of doc.errors) out.push(yamlDiagnostic(file, e, 'error'));
    return { index, line, type: 'invalid', valid: false };
  }
  let object: unknown;
  try {
    object = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const message = `cannot build the document: ${err instanceof Error ? err.message : String(err)}`;
    const { line: l, col } = lines.linePos(doc.range?.[0] ?? 0);
    out.push({ file, line: l, col, code: API_ERROR_CODES.YAML_SYNTAX, severity: 'error', message });
    return { index, line, type: 'invalid', valid: false };
  }
  const c = classify(object);
  if (c.type !== 'semamesh') {
    out.push(at(c.issue));
    return { index, line, type: c.type, object, valid: c.type === 'ignored', ...metaOf(object) };
  }
  let issues: Issue[];
  try {
    issues = validateKind(c.kind, object);
  } catch (err) {
    // A bug of ours, not the user's YAML: say so at the document rather than blaming the syntax.
    const message = `the validator failed on this ${c.kind}: ${err instanceof Error ? err.message : String(err)}`;
    issues = [{ code: API_ERROR_CODES.VALIDATOR, severity: 'error', message, path: [] }];
  }
  for (const issue of issues) out.push(at(issue));
  return {
    index,
    line,
    type: 'semamesh',
    kind: c.kind,
    object,
    valid: issues.length === 0,
    ...metaOf(object),
  };
}

/**
 * Validates every document of a YAML text. Our kinds are checked against their schema; other
 * groups' objects get a note and are skipped. Diagnostics are sorted by position. Never throws.
 */
export function validateDocuments(text: string, file: string): ValidationReport {
  const diagnostics: Diagnostic[] = [];
  const documents: ValidatedDocument[] = [];
  const lines = new LineCounter();
  try {
    const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: true, uniqueKeys: true });
    // A stream of nothing but comments parses to an EmptyStream, which is iterable and empty.
    let index = 0;
    for (const doc of docs) {
      if (!isEmptyDocument(doc)) documents.push(validateOne(doc, index, file, lines, diagnostics));
      index++;
    }
  } catch (err) {
    // The parser reports problems as errors on documents; this is a last line of defence.
    const message = `cannot parse YAML: ${err instanceof Error ? err.message : String(err)}`;
    diagnostics.push({
      file,
      line: 1,
      col: 1,
      code: API_ERROR_CODES.YAML_SYNTAX,
      severity: 'error',
      message,
    });
  }
  diagnostics.sort(compareDiagnostics);
  return {
    file,
    diagnostics,
    documents,
    errors: diagnostics.filter((d) => d.severity === 'error').length,
    warnings: diagnostics.filter((d) => d.severity === 'warning').length,
  };
}
