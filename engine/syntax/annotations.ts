// `# METADATA` comment blocks: finds them among a module's comments, parses their YAML with the `yaml`
// package, and attaches each to the statement that follows it, validating the scope as OPA does.
import { parse as parseYaml } from 'yaml';
import type { Annotations, Comment, Import, Location, Module, Package, Rule } from './ast.js';

type Stmt = Package | Import | Rule;
type ReportFn = (loc: { row: number; col: number }, message: string) => void;

const SCOPES = new Set(['rule', 'document', 'package', 'subpackages']);

interface Block {
  loc: Location;
  lines: Comment[];
}

/** Groups comments into METADATA blocks: the marker line plus the consecutive column-1 comments below it. */
function findBlocks(comments: Comment[]): Block[] {
  const blocks: Block[] = [];
  let curr: Block | undefined;
  let prev: Comment | undefined;
  for (const c of comments) {
    if (curr && prev?.loc && c.loc && c.loc.row === prev.loc.row + 1 && c.loc.col === 1) {
      curr.lines.push(c);
      prev = c;
      continue;
    }
    curr = undefined;
    if (c.loc && c.text.trim().startsWith('METADATA')) {
      curr = { loc: c.loc, lines: [] };
      blocks.push(curr);
    }
    prev = c;
  }
  return blocks;
}

function stmtKind(s: Stmt): 'package' | 'import' | 'rule' {
  if ('head' in s) return 'rule';
  return Array.isArray(s.path) ? 'package' : 'import';
}

/** Parses one block's YAML; reports and returns undefined on errors. */
function parseBlock(b: Block, report: ReportFn): Record<string, unknown> | undefined {
  const line = (c: Comment): string => (c.text.startsWith(' ') ? c.text.slice(1) : c.text);
  const text = b.lines.map(line).join('\n') + '\n';
  if (text.trim() === '') {
    report(b.loc, 'expected METADATA block, found whitespace');
    return undefined;
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    const e = err as { message?: string; linePos?: { line: number }[] };
    const line = e.linePos?.[0]?.line;
    const at = line !== undefined ? b.lines[Math.min(line, b.lines.length) - 1]?.loc : undefined;
    const first = String(e.message ?? err).split('\n')[0];
    report(at ?? b.loc, line !== undefined ? `yaml: line ${line}: ${first}` : `yaml: ${first}`);
    return undefined;
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    report(b.loc, 'yaml: unmarshal errors: METADATA must be a mapping');
    return undefined;
  }
  return raw as Record<string, unknown>;
}

/**
 * Parses every METADATA block in `module.comments`, attaches rule/document-scoped ones to the rule that
 * follows (`Rule.annotations`), package-scoped ones to the package, and lists all in `module.annotations`.
 */
export function attachAnnotations(module: Module, stmts: Stmt[], report: ReportFn): void {
  for (const b of findBlocks(module.comments)) {
    const raw = parseBlock(b, report);
    if (raw === undefined) continue;
    const node = stmts.find((s) => s.loc !== undefined && s.loc.row > b.loc.row);
    const kind = node && stmtKind(node);
    let scope = typeof raw.scope === 'string' ? raw.scope : undefined;
    if (scope === undefined && (kind === 'rule' || kind === 'package')) scope = kind;
    const have = kind ? ` (have ${kind})` : '';
    if (scope === undefined || !SCOPES.has(scope)) {
      report(
        b.loc,
        `invalid annotation scope '${scope ?? ''}'. Use one of 'rule', 'document', 'package', or 'subpackages'`,
      );
      continue;
    }
    const wants = scope === 'rule' || scope === 'document' ? 'rule' : 'package';
    if (kind !== wants) {
      report(b.loc, `annotation scope '${scope}' must be applied to ${wants}${have}`);
      continue;
    }
    const a: Annotations = { scope: scope as Annotations['scope'], raw, loc: b.loc };
    if (typeof raw.title === 'string') a.title = raw.title;
    if (typeof raw.description === 'string') a.description = raw.description;
    if (raw.entrypoint === true) a.entrypoint = true;
    if (raw.custom && typeof raw.custom === 'object' && !Array.isArray(raw.custom)) {
      a.custom = raw.custom as Record<string, unknown>;
    }
    module.annotations.push(a);
    if (node && kind === 'rule') (node as Rule).annotations ??= a;
    if (node && kind === 'package') {
      const pkg = node as Package;
      pkg.annotations = [...(pkg.annotations ?? []), a];
    }
  }
}
