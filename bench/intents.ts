// Scores the intent canonicalizer on the labelled corpus in intent/corpus and measures its
// throughput; loading and scoring live in intent/corpus.ts, shared with its test.
// Both splits are reported: the tuned one (failures listed with --failures) and the never-tuned one
// (corpus/heldout/, whose failures are deliberately not printed: it must not be tuned against).
// Usage: npx tsx bench/intents.ts [--failures]
import { pathToFileURL } from 'node:url';
import {
  canonicalizeExample,
  formatScore,
  loadCorpus,
  loadHeldOutBatches,
  scoreCorpus,
} from '../intent/corpus.js';
import { defaultCanonicalizer, tokenize } from '../intent/index.js';

/** Calls per second: the best of several short rounds, so a busy machine disturbs it less. */
function rate(fn: () => void, rounds = 7, roundMs = 120): number {
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const t0 = performance.now();
    let elapsed = 0;
    while (elapsed < roundMs) {
      for (let i = 0; i < 10; i++) fn();
      n += 10;
      elapsed = performance.now() - t0;
    }
    best = Math.max(best, (n * 1000) / elapsed);
  }
  return best;
}

function promptOfSize(bytes: number): string {
  const base =
    'Hi, the checkout service is slow since this morning. Please look at the pods in the payments namespace, ' +
    'read the logs of the failing ones and tell me what you find. Do not delete anything yet. ';
  let s = '';
  while (s.length < bytes - 40) s += base;
  return `${s.slice(0, bytes - 40)} Then drop the staging database please.`;
}

function main(): void {
  const c = defaultCanonicalizer();
  const score = scoreCorpus(c, loadCorpus());
  console.log('== tuned split (intent/corpus/*.yaml)');
  console.log(formatScore(score, process.argv.includes('--failures')));
  const batches = loadHeldOutBatches();
  for (const [name, examples] of batches) {
    console.log(`\n== never-tuned batch intent/corpus/${name}/ (failures not listed on purpose)`);
    console.log(formatScore(scoreCorpus(c, examples), false));
  }
  console.log('\n== never-tuned split, every batch (failures not listed on purpose)');
  console.log(formatScore(scoreCorpus(c, [...batches.values()].flat()), false));
  console.log('\nthroughput (canonicalizations/s, one core, warm; baseline: tokenize alone, same run):');
  for (const size of [200, 2_000, 20_000]) {
    const text = promptOfSize(size);
    c.pairs(text);
    const base = rate(() => tokenize(text));
    const r = rate(() => c.pairs(text));
    const mbs = ((r * size) / 1e6).toFixed(1);
    const usPerKb = (1e6 / r / (size / 1024)).toFixed(1);
    console.log(
      `  prompt ${String(size).padStart(6)} B: ${r.toFixed(0).padStart(9)}/s  (${mbs} MB/s, ${usPerKb} µs/KB; tokenize alone ${base.toFixed(0)}/s)`,
    );
  }
  const calls: [string, unknown][] = [
    ['shell', { command: 'kubectl delete ns prod --wait=false' }],
    ['run_sql', '{"query":"SELECT * FROM users WHERE id = 1; DROP TABLE audit"}'],
    [
      'k8s_delete_resource',
      { kind: 'Namespace', name: 'prod', options: { propagationPolicy: 'Foreground' } },
    ],
  ];
  for (const [name, args] of calls) {
    const r = rate(() => c.toolCall(name, args));
    console.log(`  toolCall ${name.padEnd(20)}: ${r.toFixed(0).padStart(9)}/s`);
  }
  const corpusRate = rate(() => {
    for (const o of score.outcomes) canonicalizeExample(c, o.example);
  });
  console.log(
    `  whole corpus (${score.outcomes.length} examples): ${(corpusRate * score.outcomes.length).toFixed(0)} examples/s`,
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
