// Parse speed of the Rego syntax stage on a generated 1,000-rule module: lexing alone, full parse and
// printing, against JSON.parse of the module's AST as the baseline; prints medians, no pass/fail.
// Usage: npx tsx bench/parse.ts [rules=1000] [runs=30]

import { parseModule, printModule } from '../engine/syntax/index.js';
import { lex } from '../engine/syntax/lexer.js';

const rules = Number(process.argv[2] ?? 1000);
const runs = Number(process.argv[3] ?? 30);

/** A module mixing the rule shapes real policies use, so every parser path is exercised. */
function generate(n: number): string {
  const out = ['package bench.generated', '', 'import rego.v1', 'import data.lib.helpers as h', ''];
  for (let i = 0; i < n; i++) {
    switch (i % 5) {
      case 0:
        out.push(
          `# rule ${i}`,
          `allow_${i} if {`,
          `\tinput.user.roles[_] == "admin_${i}"`,
          `\tcount(input.items) > ${i}`,
          '}',
        );
        break;
      case 1:
        out.push(
          `deny contains msg if {`,
          `\tsome item in input.items`,
          `\titem.cost * 2 + 1 > ${i}.5`,
          `\tmsg := sprintf("too costly %v", [item.name])`,
          '}',
        );
        break;
      case 2:
        out.push(`f_${i}(x, y) := z if {`, `\tz := {k: v | some k, v in x; v != y}`, `} else := {}`);
        break;
      case 3:
        out.push(
          `risk.scores[name] := score if {`,
          `\tname := input.agents[j].name`,
          `\tscore := [s | s := input.scores[_]; s >= ${i}]`,
          '}',
        );
        break;
      default:
        out.push(`limit_${i} := {"max": ${i}, "tags": {"a", "b"}, "on": true, "nil": null}`);
    }
    out.push('');
  }
  return out.join('\n');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(f: () => void): number {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    f();
    samples.push(performance.now() - t0);
  }
  return median(samples);
}

const src = generate(rules);
const first = parseModule(src, 'bench.rego');
if (!first.module) throw new Error(`generated module does not parse: ${JSON.stringify(first.diagnostics)}`);
const module = first.module;
const astJson = JSON.stringify(module);
// Warm up the JIT before measuring.
for (let i = 0; i < 5; i++) parseModule(src, 'bench.rego');

const lexMs = time(() => lex(src, 'bench.rego'));
const parseMs = time(() => parseModule(src, 'bench.rego'));
const printMs = time(() => printModule(module));
const jsonMs = time(() => JSON.parse(astJson));

console.log(
  `module: ${rules} rules, ${src.length} chars, ${src.split('\n').length} lines (median of ${runs} runs)`,
);
console.log(`lex only            ${lexMs.toFixed(2)} ms`);
console.log(
  `parseModule         ${parseMs.toFixed(2)} ms  (${((src.length / parseMs) * 1e-3).toFixed(1)} MB/s)`,
);
console.log(`printModule         ${printMs.toFixed(2)} ms`);
console.log(
  `baseline JSON.parse ${jsonMs.toFixed(2)} ms  (of the ${(astJson.length / 1e6).toFixed(1)} MB AST JSON)`,
);
