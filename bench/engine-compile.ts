// Compile time of the Rego → wasm pipeline on a generated 1,000-rule policy (input comparisons, `in`,
// a partial set), split by stage, against a 10-rule policy of the same shape as the baseline. Goal for
// 1,000 rules: ≤ 1 s in total. Prints figures only.
// Usage: npx tsx bench/engine-compile.ts [rules=1000] [runs=5]
import { pathToFileURL } from 'node:url';
import { type CompileTimings, compile, formatDiagnostic } from '../engine/index.js';

const rules = Number(process.argv[2] ?? 1000);
const runs = Number(process.argv[3] ?? 5);

/** Three rule shapes in rotation, all reachable from the `main` entrypoint. */
export function generatePolicy(n: number): string {
  const out = ['package bench', ''];
  const allows: string[] = [];
  for (let i = 0; i < n; i++) {
    switch (i % 3) {
      case 0:
        out.push(
          'deny contains {"rule": "r' + i + '", "msg": "model-' + i + ' is blocked"} if {',
          `\tinput.request.model == "model-${i}"`,
          `\tinput.request.max_tokens > ${i}`,
          '}',
          '',
        );
        break;
      case 1:
        allows.push(`allow_${i}`);
        out.push(
          `default allow_${i} := false`,
          '',
          `allow_${i} if {`,
          `\tinput.agent.namespace in {"ns-${i}", "team-${i % 10}"}`,
          '\tsome intent in input.features.intents',
          `\tintent == "read:table-${i}"`,
          '}',
          '',
        );
        break;
      default:
        out.push(
          `risk_${i} := ${i % 7} if {`,
          `\tinput.features.tokens.prompt > ${i * 10}`,
          '\tnot input.agent.labels.trusted',
          '}',
          '',
        );
    }
  }
  out.push(`allowed := [${allows.slice(0, 50).join(', ')}]`, '');
  out.push('main := {"deny": deny, "denials": count(deny), "allowed": allowed}', '');
  return out.join('\n');
}

const STAGES: (keyof CompileTimings)[] = ['parse', 'compile', 'plan', 'wasm', 'total'];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function measure(n: number): Record<keyof CompileTimings, number> & { wasmBytes: number } {
  const source = generatePolicy(n);
  const samples: CompileTimings[] = [];
  let wasmBytes = 0;
  for (let r = 0; r < runs + 1; r++) {
    const result = compile({ modules: [{ file: 'bench.rego', source }], entrypoints: ['bench/main'] });
    if (!result.wasm) {
      for (const d of result.diagnostics.slice(0, 5)) console.error(formatDiagnostic(d));
      throw new Error(`the ${n}-rule policy did not compile`);
    }
    wasmBytes = result.wasm.length;
    if (r > 0) samples.push(result.timings); // the first run warms up the JIT
  }
  const m = Object.fromEntries(STAGES.map((s) => [s, median(samples.map((t) => t[s]))]));
  return { ...(m as Record<keyof CompileTimings, number>), wasmBytes };
}

// Run only as a script: engine-eval.ts imports generatePolicy from here.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const fmt = (ms: number) => `${ms.toFixed(1).padStart(8)} ms`;
  const baseline = measure(10);
  const big = measure(rules);
  console.log(`engine compile, median of ${runs} runs (after one warm-up run)`);
  console.log(`${'stage'.padEnd(9)}${'10 rules'.padStart(11)}${`${rules} rules`.padStart(13)}`);
  for (const s of STAGES) console.log(`${s.padEnd(9)}${fmt(baseline[s])}  ${fmt(big[s])}`);
  console.log(`policy.wasm: ${baseline.wasmBytes} bytes (10 rules), ${big.wasmBytes} bytes (${rules} rules)`);
  console.log(
    `goal: ${rules} rules in ≤ 1000 ms total → ${big.total <= 1000 ? 'met' : 'not met'} (${big.total.toFixed(0)} ms)`,
  );
}
