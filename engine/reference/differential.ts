// Differential testing: generated cases run through our engine and the real opa in batches (one
// compile and one opa process per batch, since process start dominates), compared per case.
import { compile } from '../compiler.js';
import { loadPolicySync } from '../policy.js';
import { opaEvalSources } from './diff.js';
import { type GeneratedCase, generateCase } from './generator.js';

export type Verdict = 'same' | 'mismatch' | 'both-error' | 'our-error' | 'opa-error';

export interface CaseVerdict {
  case: GeneratedCase;
  verdict: Verdict;
  ours?: unknown;
  theirs?: unknown;
  error?: string;
}

/** Canonical JSON: object keys sorted, so key order never counts. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

interface Side {
  values?: Record<string, unknown>;
  error?: string;
}

const batchQuery = (cases: GeneratedCase[]) =>
  `{${cases.map((c) => `"${c.pkg}": data.${c.pkg}`).join(', ')}}`;

function batchInputs(cases: GeneratedCase[]) {
  const modules = cases.map((c) => ({ file: `${c.pkg}.rego`, source: c.source }));
  const data = Object.fromEntries(cases.map((c) => [c.dataKey, c.data]));
  const input = Object.fromEntries(cases.map((c) => [c.pkg, c.input]));
  return { modules, data, input };
}

function ourSide(cases: GeneratedCase[]): Side {
  const { modules, data, input } = batchInputs(cases);
  const c = compile({ modules, query: `__value__ = ${batchQuery(cases)}` });
  if (!c.wasm) return { error: c.diagnostics.map((d) => `${d.code}: ${d.message}`).join('\n') };
  try {
    const policy = loadPolicySync(c.wasm);
    policy.setData(data);
    const rows = policy.evaluate(input);
    return { values: rows[0]?.__value__ as Record<string, unknown> };
  } catch (err) {
    return { error: String(err) };
  }
}

function opaSide(cases: GeneratedCase[]): Side {
  const { modules, data, input } = batchInputs(cases);
  const r = opaEvalSources(modules, data, batchQuery(cases), input);
  if ('error' in r) return { error: r.error };
  return { values: r[0] as Record<string, unknown> };
}

function judge(c: GeneratedCase, ours: Side, theirs: Side): CaseVerdict {
  if (ours.error !== undefined && theirs.error !== undefined)
    return { case: c, verdict: 'both-error', error: ours.error };
  if (ours.error !== undefined)
    return { case: c, verdict: 'our-error', error: ours.error, theirs: theirs.values };
  if (theirs.error !== undefined)
    return { case: c, verdict: 'opa-error', error: theirs.error, ours: ours.values };
  const a = ours.values?.[c.pkg];
  const b = theirs.values?.[c.pkg];
  return { case: c, verdict: canonical(a) === canonical(b) ? 'same' : 'mismatch', ours: a, theirs: b };
}

/** Runs cases [start, start+count) of `seed` in one batch; a batch-level error falls back to one case at a time. */
export function runBatch(seed: number, start: number, count: number): CaseVerdict[] {
  const cases = Array.from({ length: count }, (_, i) => generateCase(seed, start + i));
  const ours = ourSide(cases);
  const theirs = opaSide(cases);
  if (ours.error === undefined && theirs.error === undefined) return cases.map((c) => judge(c, ours, theirs));
  return cases.map((c) => judge(c, ourSide([c]), opaSide([c])));
}

/** Summary counts by verdict. */
export function tally(verdicts: CaseVerdict[]): Record<Verdict, number> {
  const out: Record<Verdict, number> = {
    same: 0,
    mismatch: 0,
    'both-error': 0,
    'our-error': 0,
    'opa-error': 0,
  };
  for (const v of verdicts) out[v.verdict]++;
  return out;
}

/** Top-level blocks of a generated module: the header, then one block per rule (with its else chain). */
function blocks(source: string): string[] {
  const out: string[] = [];
  for (const line of source.split('\n')) {
    const continues = line === '' || /^[\t }]/.test(line) || line.startsWith('} else');
    if (out.length > 0 && continues) out[out.length - 1] += `\n${line}`;
    else out.push(line);
  }
  return out;
}

/**
 * Shrinks a mismatching case by dropping rules one at a time while the two engines still disagree
 * (a dropped rule that others use makes both fail to compile, so it stays).
 */
export function minimise(c: GeneratedCase): GeneratedCase {
  let parts = blocks(c.source);
  const verdict = judge(c, ourSide([c]), opaSide([c])).verdict;
  // A removal is kept only while the verdict stays the same (not, say, both engines failing).
  const differs = (src: string) => {
    const candidate = { ...c, source: src };
    return (
      verdict !== 'same' && judge(candidate, ourSide([candidate]), opaSide([candidate])).verdict === verdict
    );
  };
  for (let i = parts.length - 1; i >= 0; i--) {
    if (/^(package|import)\b/.test(parts[i])) continue;
    const without = parts.filter((_, j) => j !== i);
    if (differs(`${without.join('\n')}\n`)) parts = without;
  }
  return { ...c, source: `${parts.join('\n').replace(/\n+$/, '')}\n` };
}
