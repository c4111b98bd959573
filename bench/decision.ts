// End-to-end decisions per second: canonicalize each labelled corpus example (prompt or tool call)
// and evaluate the shipped `semamesh/decision` entrypoint in the opa-wasm SDK, with the reference
// policy alone and with 100 more generated SemaPolicies. Baseline in the same run: evaluation with
// precomputed intents (no canonicalization).
import type { SemaPolicy } from '../api/index.js';
import { compileResources, loadPolicySync, readBundle } from '../engine/index.js';
import { canonicalizeExample, loadCorpus } from '../intent/corpus.js';
import { defaultCanonicalizer } from '../intent/index.js';

const reference: SemaPolicy = {
  apiVersion: 'semamesh.io/v1alpha1',
  kind: 'SemaPolicy',
  metadata: { name: 'prevent-unauthorized-deletion', namespace: 'default' },
  spec: {
    rules: [
      {
        name: 'prevent-unauthorized-deletion',
        intentMatches: ['delete namespace', 'terminate node', 'drop database'],
        riskLevel: 'Critical',
        action: 'BLOCK',
      },
    ],
  },
} as SemaPolicy;

const objects = [
  'bucket',
  'secret',
  'volume',
  'cluster',
  'deployment',
  'pod',
  'user',
  'backup',
  'log',
  'firewall',
];
const generated = (n: number): SemaPolicy[] =>
  Array.from({ length: n }, (_, i) => ({
    ...reference,
    metadata: { name: `p${i}`, namespace: `team-${i % 10}` },
    spec: {
      selector: { namespaces: [`team-${i % 10}`, 'default'] },
      rules: [
        {
          name: `r${i}`,
          intentMatches: [`delete ${objects[i % objects.length]}`],
          riskLevel: 'High',
          action: i % 2 ? 'AUDIT' : 'BLOCK',
        },
      ],
    },
  })) as SemaPolicy[];

const corpus = loadCorpus();
const canon = defaultCanonicalizer();
const agent = { namespace: 'default', pod: 'agent-0', serviceAccount: 'agent', labels: {}, cgroup: '' };

function inputFor(intents: string[], text: string) {
  return {
    agent,
    request: {
      provider: 'openai',
      api: 'chat.completions',
      model: 'gpt-4o',
      stream: false,
      text,
      tool_calls: [],
    },
    features: { intents, pii: [], tokens: { prompt: 100, max_completion: 256 } },
    quota: {},
    phase: 'request',
  };
}

function run(label: string, policies: SemaPolicy[]): void {
  const compiled = compileResources({ policies }, { tenancy: 'single' });
  if (!compiled.bundle) throw new Error('compile failed');
  const policy = loadPolicySync(readBundle(compiled.bundle));
  const texts = corpus.map((e) => e.text ?? JSON.stringify(e.toolCall));
  const pre = corpus.map((e) => canonicalizeExample(canon, e));
  const measure = (withCanon: boolean) => {
    const times: number[] = [];
    let blocks = 0;
    const t0 = performance.now();
    for (let round = 0; round < 3; round++)
      corpus.forEach((e, i) => {
        const s = performance.now();
        const intents = withCanon ? canonicalizeExample(canon, e) : pre[i];
        const d = policy.evaluate(inputFor(intents, texts[i]), 'semamesh/decision')[0]?.result as {
          action: string;
        };
        times.push((performance.now() - s) * 1000);
        if (d.action === 'BLOCK') blocks++;
      });
    const total = performance.now() - t0;
    times.sort((a, b) => a - b);
    const q = (p: number) => times[Math.floor(times.length * p)].toFixed(1);
    return `${((times.length / total) * 1000).toFixed(0).padStart(6)} decisions/s, p50 ${q(0.5)} µs, p99 ${q(0.99)} µs (${blocks / 3} blocks)`;
  };
  measure(false); // warm-up
  console.log(`${label.padEnd(34)} intents precomputed: ${measure(false)}`);
  console.log(`${''.padEnd(34)} canonicalize + decide: ${measure(true)}`);
}

console.log(`corpus: ${corpus.length} examples`);
run('reference policy', [reference]);
run('reference + 100 SemaPolicies', [reference, ...generated(100)]);
