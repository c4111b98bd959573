// Maps the engine's compile diagnostics (which name a policy or its generated Rego module) back to
// the repository file and line the user edits: the policy's document, or the line inside `spec.rego`.
import { isScalar, LineCounter, parseAllDocuments, Scalar } from 'yaml';
import type { Diagnostic as EngineDiagnostic } from '../../engine/index.js';
import type { RenderDiagnostic, RenderedObject } from './render.js';

interface RegoPosition {
  /** 1-based line of the first Rego line in the YAML file. */
  line: number;
  /** Column added to a Rego column (the block scalar's indentation). */
  indent: number;
}

function regoPosition(text: string, docLine: number): RegoPosition | undefined {
  const lines = new LineCounter();
  for (const doc of parseAllDocuments(text, { lineCounter: lines })) {
    const start = lines.linePos(doc.contents?.range?.[0] ?? 0).line;
    if (start !== docLine) continue;
    const node = doc.getIn(['spec', 'rego'], true);
    if (!isScalar(node) || !node.range) return undefined;
    const at = lines.linePos(node.range[0]);
    if (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) {
      const contentLine = text.split('\n')[at.line] ?? '';
      return { line: at.line + 1, indent: contentLine.length - contentLine.trimStart().length };
    }
    return { line: at.line, indent: at.col };
  }
  return undefined;
}

/** Returns a function placing one engine diagnostic in the repository. */
export function regoLocator(objects: readonly RenderedObject[], texts: ReadonlyMap<string, string>) {
  const byId = new Map(objects.map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o]));
  return (d: EngineDiagnostic): RenderDiagnostic => {
    const file = d.location?.file ?? '';
    const custom = /^custom\/(.+)\.rego$/.exec(file);
    const named = /^SemaPolicy\/(.+)$/.exec(file);
    const obj = byId.get(custom?.[1] ?? named?.[1] ?? '');
    if (!obj)
      return {
        file: file || '(bundle)',
        line: d.location?.row ?? 0,
        col: d.location?.col ?? 0,
        code: d.code,
        severity: 'error',
        message: d.message,
      };
    const base = { file: obj.source.file, code: d.code, severity: 'error' as const };
    if (custom) {
      const pos = regoPosition(texts.get(obj.source.file) ?? '', obj.source.line);
      const row = d.location?.row ?? 0;
      // Parse errors carry rows of the user's Rego; later stages see the regenerated module, whose rows differ.
      if (pos && d.code === 'rego_parse_error' && row > 0)
        return {
          ...base,
          line: pos.line + row - 1,
          col: (d.location?.col ?? 1) + pos.indent,
          message: `spec.rego: ${d.message}`,
        };
      if (pos)
        return {
          ...base,
          line: pos.line,
          col: pos.indent + 1,
          message: `spec.rego (generated module row ${row}): ${d.message}`,
        };
    }
    return { ...base, line: obj.source.line, col: 1, message: d.message };
  };
}
