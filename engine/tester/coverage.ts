// `semamesh test --coverage`: which expressions and rule heads the tests reached, per file and line,
// in the shape of `opa test --coverage` (covered / not covered source ranges, line counts, percent).
import type { SourceFile } from '../compiler.js';
import { coverKey } from '../plan/planner.js';
import type { Location, Module } from '../syntax/ast.js';

export interface Position {
  row: number;
  col: number;
}
export interface Range {
  start: Position;
  end: Position;
}
export interface FileCoverage {
  covered?: Range[];
  not_covered?: Range[];
  covered_lines?: number;
  not_covered_lines?: number;
  coverage: number;
}
export interface CoverageReport {
  files: Record<string, FileCoverage>;
  covered_lines: number;
  not_covered_lines: number;
  coverage: number;
}

/**
 * Every place coverage can reach: rule heads, the expressions of rule bodies, and calls hoisted out
 * of them. Expressions inside comprehensions and `every` bodies are `optional`: as in opa, they are
 * reported once they ran, and not listed as unreached otherwise.
 */
export function coverableLocations(modules: Module[]): { loc: Location; optional: boolean }[] {
  const out: { loc: Location; optional: boolean }[] = [];
  const CLOSURES = new Set(['arraycomprehension', 'setcomprehension', 'objectcomprehension']);
  /** Call terms inside a term, outside closures (whose bodies are walked as expressions). */
  const calls = (t: unknown, optional: boolean): void => {
    if (!t || typeof t !== 'object') return;
    if (Array.isArray(t)) {
      for (const x of t) calls(x, optional);
      return;
    }
    const o = t as { type?: string; value?: unknown; loc?: Location };
    if (o.type !== undefined && CLOSURES.has(o.type)) return;
    if (o.type === 'call' && o.loc) out.push({ loc: o.loc, optional });
    calls(o.value, optional);
  };
  const walk = (x: unknown, optional: boolean): void => {
    if (!x || typeof x !== 'object') return;
    if (Array.isArray(x)) {
      for (const y of x) walk(y, optional);
      return;
    }
    const o = x as Record<string, unknown>;
    if ('terms' in o && 'negated' in o) {
      // An expression; calls nested in its operands are hoisted and reported on their own.
      if (o.loc && !o.generated) out.push({ loc: o.loc as Location, optional });
      const terms = Array.isArray(o.terms) ? o.terms.slice(1) : [o.terms];
      for (const t of terms) calls(t, optional);
    }
    const nested = optional || (typeof o.type === 'string' && (CLOSURES.has(o.type) || o.type === 'every'));
    for (const [k, v] of Object.entries(o)) if (k !== 'loc' && k !== 'annotations') walk(v, nested);
  };
  for (const m of modules)
    for (const r of m.rules)
      for (let l: typeof r | undefined = r; l; l = l.else) {
        if (l.head.loc) out.push({ loc: l.head.loc, optional: false });
        const bodyless = l.body.length === 1 && l.body[0].generated;
        if (bodyless && l.head.value?.loc) out.push({ loc: l.head.value.loc, optional: false });
        walk(l.body, false);
        walk(l.head.value, false);
        walk(l.head.key, false);
        calls(l.head.value, false);
        calls(l.head.key, false);
      }
  return out;
}

/** Row and column of a UTF-16 offset, 1-based like Location. */
function position(source: string, offset: number): Position {
  let row = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < source.length; i++)
    if (source.charCodeAt(i) === 10) {
      row++;
      lineStart = i + 1;
    }
  return { row, col: offset - lineStart + 1 };
}

/** Builds the report from the reachable locations and the keys the run recorded. */
export function coverageReport(
  modules: Module[],
  sources: SourceFile[],
  reached: ReadonlySet<string>,
): CoverageReport {
  const text = new Map(sources.map((s) => [s.file, s.source]));
  const perFile = new Map<string, { covered: Range[]; not: Range[] }>();
  const seen = new Set<string>();
  for (const { loc, optional } of coverableLocations(modules)) {
    const key = coverKey(loc);
    if (seen.has(key) || (optional && !reached.has(key))) continue;
    seen.add(key);
    const src = text.get(loc.file) ?? '';
    const range = { start: { row: loc.row, col: loc.col }, end: position(src, loc.end) };
    const f = perFile.get(loc.file) ?? { covered: [], not: [] };
    perFile.set(loc.file, f);
    (reached.has(key) ? f.covered : f.not).push(range);
  }
  const report: CoverageReport = { files: {}, covered_lines: 0, not_covered_lines: 0, coverage: 0 };
  const order = (a: Range, b: Range) =>
    a.start.row - b.start.row || a.start.col - b.start.col || a.end.row - b.end.row || a.end.col - b.end.col;
  for (const [file, f] of [...perFile].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const rows = (rs: Range[]) => {
      const out = new Set<number>();
      for (const r of rs) for (let row = r.start.row; row <= r.end.row; row++) out.add(row);
      return out;
    };
    const coveredRows = rows(f.covered);
    // As in opa, a line with both reached and unreached code counts on both sides.
    const notRows = [...rows(f.not)];
    // Fields in opa's order, empty ones left out as opa does.
    report.files[file] = {
      ...(f.covered.length > 0 ? { covered: f.covered.sort(order) } : {}),
      ...(f.not.length > 0 ? { not_covered: f.not.sort(order) } : {}),
      ...(coveredRows.size > 0 ? { covered_lines: coveredRows.size } : {}),
      ...(notRows.length > 0 ? { not_covered_lines: notRows.length } : {}),
      coverage: percent(coveredRows.size, notRows.length),
    };
    report.covered_lines += coveredRows.size;
    report.not_covered_lines += notRows.length;
  }
  report.coverage = percent(report.covered_lines, report.not_covered_lines);
  return report;
}

const percent = (covered: number, not: number) =>
  covered + not === 0 ? 0 : (100 * covered) / (covered + not);
