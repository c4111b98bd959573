// The bounded differential run: generated Rego cases evaluated by our engine and by the real opa
// must agree (skipped, with the reason printed, where opa is absent; an error under CI=true).
// The long soak is bench/rego-diff.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CaseVerdict, minimise, runBatch, tally } from './differential.js';
import { generateCase } from './generator.js';
import { findOpa } from './opa.js';

const { skip } = findOpa();
const SEED = Number(process.env.SEMAMESH_DIFF_SEED ?? 17);
const CASES = Number(process.env.SEMAMESH_DIFF_CASES ?? 2000);
const BATCH = 100;

test('the generator is deterministic per seed and index, and varies across them', () => {
  assert.equal(generateCase(5, 3).source, generateCase(5, 3).source);
  assert.notEqual(generateCase(5, 3).source, generateCase(5, 4).source);
  assert.notEqual(generateCase(5, 3).source, generateCase(6, 3).source);
});

test(`${CASES} generated cases (seed ${SEED}) evaluate the same in our engine and in opa`, { skip }, (t) => {
  const verdicts: CaseVerdict[] = [];
  const started = performance.now();
  for (let start = 0; start < CASES; start += BATCH)
    verdicts.push(...runBatch(SEED, start, Math.min(BATCH, CASES - start)));
  const counts = tally(verdicts);
  t.diagnostic(`${JSON.stringify(counts)} in ${Math.round(performance.now() - started)} ms`);
  const bad = verdicts.filter((v) => v.verdict !== 'same');
  const report = bad.slice(0, 3).map((v) => {
    const m = minimise(v.case);
    return `${v.verdict} ${v.case.pkg}: ${v.error ?? ''}\n${m.source}input: ${JSON.stringify(m.input)}\ndata: ${JSON.stringify(m.data)}\nours: ${JSON.stringify(v.ours)}\nopa: ${JSON.stringify(v.theirs)}`;
  });
  assert.equal(bad.length, 0, report.join('\n\n'));
  // Most cases must produce a non-empty package value, or the comparison says little.
  const nonEmpty = verdicts.filter((v) => v.ours && Object.keys(v.ours as object).length > 0).length;
  assert.ok(nonEmpty > CASES * 0.9, `only ${nonEmpty} of ${CASES} cases define any rule`);
});
