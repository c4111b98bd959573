// Compiles N generated SemaPolicies (3 rules each, varied intents, tool and text matches) into a bundle
// and prints the time per phase; baseline: the library alone (0 policies) in the same run.
import type { SemaPolicy } from '../api/index.js';
import { compileResources } from '../engine/index.js';

const verbs = ['delete', 'drop', 'terminate', 'wipe', 'scale', 'export', 'disable', 'restart'];
const objects = ['database', 'namespace', 'node', 'bucket', 'secret', 'volume', 'cluster', 'deployment'];

function generate(n: number): SemaPolicy[] {
  return Array.from({ length: n }, (_, i) => ({
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaPolicy',
    metadata: { name: `policy-${i}`, namespace: `team-${i % 50}` },
    spec: {
      enforcement: i % 10 === 0 ? 'dryrun' : 'enforce',
      selector: { namespaces: [`team-${i % 50}`], podLabels: { app: `agent-${i % 7}` } },
      rules: [0, 1, 2].map((j) => ({
        name: `rule-${j}`,
        intentMatches: [
          `${verbs[(i + j) % verbs.length]} ${objects[(i * 3 + j) % objects.length]}`,
          'drop database',
        ],
        ...(j === 1
          ? { toolMatches: [{ name: 'shell', argumentPattern: `kubectl\\s+delete\\s+ns-${i}` }] }
          : {}),
        ...(j === 2 ? { textMatches: [{ literal: `project-${i}-secret` }] } : {}),
        riskLevel: 'High',
        action: j === 0 ? 'BLOCK' : 'AUDIT',
        message: `generated rule ${i}/${j}`,
      })),
    },
  })) as SemaPolicy[];
}

function run(n: number): void {
  const policies = generate(n);
  const t0 = performance.now();
  const r = compileResources({ policies });
  const ms = performance.now() - t0;
  if (!r.bundle) throw new Error(r.diagnostics.map((d) => d.message).join('\n'));
  console.log(
    `${String(n).padStart(5)} SemaPolicies: ${ms.toFixed(1).padStart(7)} ms total, bundle ${(r.bundle.length / 1024).toFixed(0)} KiB, ` +
      `data.json ${(JSON.stringify(r.data).length / 1024).toFixed(0)} KiB`,
  );
}

run(0); // warm-up: loads the library and the compiler
for (const n of [0, 100, 1000, 1000]) run(n);
