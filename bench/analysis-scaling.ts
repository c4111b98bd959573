// Whether the analyser's cost grows linearly with its input (no ReDoS, no walk back to a clause's
// start for every word): each unit below, repeated n and 4n times as one text, through
// `Canonicalizer.pairs` (the best of 3 runs); prints the times and their ratio, and flags a ratio
// above 8 where the longer text took over 50 ms (linear is about 4). Units are shapes that make one
// long clause or sentence of verbs, conditions, negations, subjects or commands, in the supported
// languages.
//   npx tsx bench/analysis-scaling.ts [n=5000]
import { defaultCanonicalizer } from '../intent/canonicalize.js';

const UNITS = [
  'delete ',
  'do not delete ',
  'if you delete ',
  'the job removes ',
  'borra el ',
  'el cron borra ',
  'que la base ',
  "n'oublie pas de supprimer ",
  'supprime la base ',
  'löscht ',
  'nicht löschen ',
  'apaga, ',
  'não apague ',
  '削除すると',
  '削除しないで',
  'データベースを削除して',
  '删除数据库',
  '不要删除',
  'DROP TABLE t; ',
  'rm -rf /data && ',
  'kubectl delete ns a; ',
  'bash -c "',
];

const n = Number(process.argv[2] ?? 5000);
const c = defaultCanonicalizer();
c.pairs('warm up: delete the prod database');
let flagged = 0;
console.log(`unit repeated ${n} and ${4 * n} times: ms, ratio (linear ≈ 4)`);
for (const unit of UNITS) {
  const ms = [n, 4 * n].map((k) => {
    const text = unit.repeat(k);
    let best = Number.POSITIVE_INFINITY;
    for (let run = 0; run < 3; run++) {
      const t = performance.now();
      c.pairs(text);
      best = Math.min(best, performance.now() - t);
    }
    return best;
  });
  const ratio = ms[1]! / Math.max(ms[0]!, 0.01);
  const superlinear = ratio > 8 && ms[1]! > 50; // below 50 ms, timer and GC noise dominate
  if (superlinear) flagged++;
  console.log(
    `${JSON.stringify(unit).padEnd(32)} ${ms[0]!.toFixed(0).padStart(6)} → ${ms[1]!.toFixed(0).padStart(6)} ms  ×${ratio.toFixed(1)}${superlinear ? '  SUPERLINEAR' : ''}`,
  );
}
console.log(flagged ? `${flagged} unit(s) grow faster than linear` : 'every unit grows about linearly');
