// Long differential soak: generated Rego cases through our engine and the real opa, in batches, for
// a number of cases or minutes. Mismatches are minimised and written as YAML regression candidates.
// Usage: npx tsx bench/rego-diff.ts [--seed N] [--cases N] [--minutes M] [--batch N] [--out dir]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { type CaseVerdict, minimise, runBatch, tally } from '../engine/reference/differential.js';
import { findOpa } from '../engine/reference/opa.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    cases: { type: 'string', default: '20000' },
    minutes: { type: 'string', default: '10' },
    batch: { type: 'string', default: '200' },
    out: { type: 'string', default: '.tmp/rego-diff' },
  },
});
const opa = findOpa();
if (!opa.path) {
  console.error(`rego-diff: ${opa.skip}`);
  process.exit(1);
}
const seed = Number(values.seed);
const max = Number(values.cases);
const deadline = Date.now() + Number(values.minutes) * 60_000;
const batch = Number(values.batch);
const all: CaseVerdict[] = [];
const started = performance.now();
let found = 0;
for (let start = 0; start < max && Date.now() < deadline; start += batch) {
  const verdicts = runBatch(seed, start, Math.min(batch, max - start));
  all.push(...verdicts);
  for (const v of verdicts.filter((x) => x.verdict !== 'same')) {
    const m = minimise(v.case);
    mkdirSync(values.out, { recursive: true });
    const file = join(values.out, `seed${seed}-${v.case.pkg}.yaml`);
    const entry = {
      name: `generated seed ${seed} ${v.case.pkg} (${v.verdict})`,
      modules: [m.source],
      query: `data.${m.pkg}`,
      input: { [m.pkg]: m.input },
      data: { [m.dataKey]: m.data },
      opa: v.theirs,
      ours: v.ours,
      error: v.error,
    };
    writeFileSync(file, stringify([entry]));
    found++;
    console.log(`${v.verdict}: ${file}`);
  }
  const s = (performance.now() - started) / 1000;
  process.stderr.write(`  ${all.length} cases, ${found} differing, ${(all.length / s).toFixed(0)} cases/s\n`);
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `rego-diff seed ${seed}: ${all.length} cases in ${seconds.toFixed(1)} s (${(all.length / seconds).toFixed(0)}/s):`,
  JSON.stringify(tally(all)),
);
process.exitCode = found > 0 ? 1 : 0;
