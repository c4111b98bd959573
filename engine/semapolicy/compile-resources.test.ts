// End-to-end tests of SemaPolicy → bundle → opa-wasm decision, including hostile resource strings.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { SemaClusterPolicy, SemaPolicy } from '../../api/index.js';
import { validatePaths } from '../../api/index.js';
import { defaultCanonicalizer } from '../../intent/canonicalize.js';
import { readBundle } from '../bundle/index.js';
import { loadPolicySync } from '../policy.js';
import { compileResources } from './compile-resources.js';
import { tenantEntrypoint } from './tenancy.js';

const root = new URL('../..', import.meta.url).pathname;

function policy(name: string, spec: Partial<SemaPolicy['spec']>, namespace = 'ai-agents'): SemaPolicy {
  return {
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaPolicy',
    metadata: { name, namespace },
    spec: { rules: [], ...spec },
  } as SemaPolicy;
}

function clusterPolicy(name: string, spec: Partial<SemaClusterPolicy['spec']>): SemaClusterPolicy {
  return {
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaClusterPolicy',
    metadata: { name },
    spec: { rules: [], ...spec },
  } as SemaClusterPolicy;
}

function input(text: string, extra: Record<string, unknown> = {}, namespace = 'ai-agents') {
  return {
    agent: { namespace, pod: 'agent-0', serviceAccount: 'agent', labels: {} },
    request: { provider: 'openai', text, tool_calls: [] },
    features: { intents: defaultCanonicalizer().pairs(text), pii: [] },
    quota: {},
    phase: 'request',
    ...extra,
  };
}

/** Decides as the waypoint does: through the namespace's own entrypoint when it has one. */
function decide(bundle: Uint8Array, inp: { agent: { namespace: string } }) {
  const p = loadPolicySync(readBundle(bundle));
  const tenant = tenantEntrypoint(inp.agent.namespace);
  const rows = p.evaluate(inp, tenant in p.entrypoints ? tenant : 'semamesh/decision');
  return rows[0]?.result as {
    action: string;
    risk: string;
    reasons: { policy: string; rule: string; message: string }[];
  };
}

test('the reference example blocks the reference prompt and allows hello world', async () => {
  const summary = await validatePaths([join(root, 'examples/sample-policy.yaml')]);
  const policies = summary.objects.filter((d) => d.kind === 'SemaPolicy').map((d) => d.object as SemaPolicy);
  const r = compileResources({ policies });
  assert.deepEqual(r.diagnostics, []);
  assert.ok(r.bundle);
  // "drop database" also covers the schemas and tables once folded into databases (intent/hierarchy.ts).
  assert.deepEqual(
    r.data.semamesh.namespaces.default.policies['default/prevent-unauthorized-deletion'].rules[0].intents,
    ['delete:database', 'delete:namespace', 'delete:node', 'delete:schema', 'delete:table'],
  );
  const blocked = decide(r.bundle, input('I want to delete the production database', {}, 'default'));
  assert.equal(blocked.action, 'BLOCK');
  assert.equal(blocked.risk, 'Critical');
  assert.equal(blocked.reasons[0].rule, 'prevent-unauthorized-deletion');
  assert.equal(decide(r.bundle, input('Hello world', {}, 'default')).action, 'ALLOW');
  // The sample lives in `default`: an agent of another namespace is not its business.
  assert.equal(decide(r.bundle, input('I want to delete the production database')).action, 'ALLOW');
});

test('a dry-run policy audits instead of blocking', () => {
  const r = compileResources({
    policies: [
      policy('dry', {
        enforcement: 'dryrun',
        rules: [{ name: 'no-drops', intentMatches: ['drop database'], riskLevel: 'High', action: 'BLOCK' }],
      }),
    ],
  });
  const d = decide(r.bundle!, input('please drop the orders database'));
  assert.equal(d.action, 'AUDIT');
  assert.match(d.reasons[0].message, /^dry run: would BLOCK/);
});

test('intent phrases outside the lexicon extend the vocabulary', () => {
  const r = compileResources({
    policies: [
      policy('hr', {
        rules: [{ name: 'no-firing', intentMatches: ['fire employee'], riskLevel: 'High', action: 'PAUSE' }],
      }),
    ],
  });
  assert.deepEqual(r.data.semamesh.namespaces['ai-agents'].policies['ai-agents/hr'].rules[0].intents, [
    'fire:employee',
  ]);
  assert.deepEqual(r.data.semamesh.vocabulary.actions?.fire, ['fire']);
});

test('hostile resource strings stay data and cannot inject Rego', () => {
  const hostile = '"} \n package semamesh \n decision := {"action": "ALLOW"} # ';
  const r = compileResources({
    policies: [
      policy('evil', {
        rules: [
          {
            name: hostile,
            intentMatches: ['drop database', hostile],
            riskLevel: 'Critical',
            action: 'BLOCK',
            message: hostile,
            textMatches: [{ literal: hostile }],
          },
        ],
      }),
    ],
  });
  assert.deepEqual(r.diagnostics, []);
  const d = decide(r.bundle!, input('drop database now'));
  assert.equal(d.action, 'BLOCK');
  assert.equal(d.reasons[0].rule, hostile);
  assert.equal(d.reasons[0].message, hostile);
});

test('custom Rego runs under its own package and cannot replace the decision', () => {
  const rego = `package semamesh
import rego.v1
decision := {"action": "ALLOW"}
violations contains {"rule": "no-prod-secrets", "action": "BLOCK", "message": "secrets stay in prod"} if {
  contains(input.request.text, "prod secret")
}
`;
  const r = compileResources({ policies: [policy('custom', { rules: [], rego })] });
  assert.deepEqual(r.diagnostics, []);
  assert.equal(r.summary.customModules, 1);
  assert.match(
    r.modules.find((m) => m.file.startsWith('custom/'))!.source,
    /package semamesh\.tenants\["ai-agents"\]\.custom\.custom/,
  );
  const d = decide(r.bundle!, input('print the prod secret'));
  assert.equal(d.action, 'BLOCK');
  assert.equal(d.reasons[0].policy, 'custom/ai-agents/custom');
  assert.equal(decide(r.bundle!, input('hello')).action, 'ALLOW');
});

test('broken custom Rego is a located diagnostic, not a bundle', () => {
  const r = compileResources({ policies: [policy('broken', { rules: [], rego: 'package x\nallow if {' })] });
  assert.equal(r.bundle, undefined);
  assert.equal(r.diagnostics[0].code, 'rego_parse_error');
  assert.equal(r.diagnostics[0].location?.file, 'custom/ai-agents/broken.rego');
});

test('custom Rego that opens with its own METADATA block still compiles', () => {
  const rego =
    '# METADATA\n# title: mine\npackage foo\nimport rego.v1\nviolations contains {"rule": "x"} if input.request.text == "boom"\n';
  const r = compileResources({ policies: [policy('meta', { rules: [], rego })] });
  assert.deepEqual(r.diagnostics, []);
  assert.equal(decide(r.bundle!, input('boom')).action, 'BLOCK');
});

// --- Tenancy (issue 15): a namespace governs its own agents only --------------------------------

const dropRule = (action: 'BLOCK' | 'PAUSE') => ({
  name: 'no-drops',
  intentMatches: ['drop database'],
  riskLevel: 'High' as const,
  action,
});

test('a namespaced SemaPolicy governs only agents of its namespace; a SemaClusterPolicy governs all', () => {
  const r = compileResources({
    policies: [policy('team-a-rules', { rules: [dropRule('PAUSE')] }, 'team-a')],
  });
  assert.deepEqual(r.diagnostics, []);
  assert.equal(decide(r.bundle!, input('drop database now', {}, 'team-a')).action, 'PAUSE');
  // Before tenancy, team-a's PAUSE reached every agent in the cluster.
  assert.equal(decide(r.bundle!, input('drop database now', {}, 'team-b')).action, 'ALLOW');

  const c = compileResources({ policies: [clusterPolicy('everyone', { rules: [dropRule('BLOCK')] })] });
  assert.deepEqual(c.diagnostics, []);
  assert.equal(decide(c.bundle!, input('drop database now', {}, 'team-b')).action, 'BLOCK');
  assert.equal(decide(c.bundle!, input('drop database now', {}, 'team-a')).action, 'BLOCK');
  assert.ok(c.data.semamesh.policies['SemaClusterPolicy/everyone']);
  const scoped = compileResources({
    policies: [clusterPolicy('only-b', { rules: [dropRule('BLOCK')], selector: { namespaces: ['team-b'] } })],
  });
  assert.equal(decide(scoped.bundle!, input('drop database now', {}, 'team-a')).action, 'ALLOW');
});

test('a namespaced selector naming another namespace is a located diagnostic', () => {
  const r = compileResources({
    policies: [
      policy('reach', { rules: [dropRule('PAUSE')], selector: { namespaces: ['team-b'] } }, 'team-a'),
    ],
  });
  assert.equal(r.bundle, undefined);
  assert.equal(r.diagnostics[0].location?.file, 'SemaPolicy/team-a/reach');
  assert.match(r.diagnostics[0].message, /governs only its own namespace/);
  // Naming its own namespace is allowed (it changes nothing).
  const own = compileResources({
    policies: [policy('own', { rules: [dropRule('PAUSE')], selector: { namespaces: ['team-a'] } }, 'team-a')],
  });
  assert.deepEqual(own.diagnostics, []);
});

test('tenancy single (local mode) keeps every policy cluster-wide', () => {
  const r = compileResources(
    { policies: [policy('p', { rules: [dropRule('BLOCK')] }, 'default')] },
    { tenancy: 'single' },
  );
  assert.equal(decide(r.bundle!, input('drop database now', {}, 'local')).action, 'BLOCK');
});

test("a namespace's custom Rego violations apply only to that namespace's agents", () => {
  const rego =
    'package x\nimport rego.v1\nviolations contains {"rule": "stop-all", "action": "PAUSE"} if true\n';
  const r = compileResources({ policies: [policy('greedy', { rego }, 'team-a')] });
  assert.deepEqual(r.diagnostics, []);
  assert.deepEqual(r.tenantEntrypoints, { 'team-a': 'semamesh/tenants/team-a/decision' });
  assert.equal(decide(r.bundle!, input('hello', {}, 'team-a')).action, 'PAUSE');
  assert.equal(decide(r.bundle!, input('hello', {}, 'team-b')).action, 'ALLOW');
  // The shared entrypoint does not reach tenant modules at all.
  const p = loadPolicySync(readBundle(r.bundle!));
  const rows = p.evaluate(input('hello', {}, 'team-a'), 'semamesh/decision');
  assert.equal((rows[0].result as { action: string }).action, 'ALLOW');
});

test("a namespace's custom Rego cannot read another tenant's policies or any shared data", () => {
  const reads = [
    'x := data.semamesh.namespaces',
    'x := data.semamesh.policies',
    'x := data',
    'x := data[input.k]',
    'x := data.semamesh.tenants["team-b"].custom',
    'x := data.semamesh.tenants["team-a"]',
    'x := object.get(data, "semamesh", {})',
    'x := 1 if { y := input with data.semamesh.policies as {} ; y }',
  ];
  for (const line of reads) {
    const rego = `package x\nimport rego.v1\n${line}\nviolations contains {"rule": "r"} if x\n`;
    const r = compileResources({ policies: [policy('snoop', { rego }, 'team-a')] });
    assert.equal(r.bundle, undefined, line);
    assert.match(r.diagnostics[0].message, /may read only input and its own package/, line);
    assert.equal(r.diagnostics[0].location?.file, 'custom/team-a/snoop.rego', line);
  }
  const imported = compileResources({
    policies: [policy('imp', { rego: 'package x\nimport data.semamesh.namespaces as ns\n' }, 'team-a')],
  });
  assert.equal(imported.bundle, undefined);
  // Its own package is fine; cluster kinds may read shared data.
  const own = compileResources({
    policies: [
      policy(
        'own',
        {
          rego: 'package x\nimport rego.v1\nlimit := 3\nviolations contains {"rule": "r"} if count(input.request.text) > data.semamesh.tenants["team-a"].custom.own.limit\n',
        },
        'team-a',
      ),
      clusterPolicy('admin', { rego: 'package y\nimport rego.v1\nn := count(data.semamesh.namespaces)\n' }),
    ],
  });
  assert.deepEqual(own.diagnostics, []);
  assert.equal(decide(own.bundle!, input('long enough', {}, 'team-a')).action, 'BLOCK');
});

test("a custom module that fails at run time fails only its namespace's entrypoint", () => {
  const broken =
    'package x\nimport rego.v1\nv := 1 if input.request.text != ""\nv := 2 if input.request.text != ""\nviolations contains {"rule": "r"} if v\n';
  const fine =
    'package x\nimport rego.v1\nviolations contains {"rule": "b"} if contains(input.request.text, "b-word")\n';
  const r = compileResources({
    policies: [
      policy('broken', { rego: broken }, 'team-a'),
      policy('fine', { rego: fine }, 'team-b'),
      clusterPolicy('everyone', { rules: [dropRule('BLOCK')] }),
    ],
  });
  assert.deepEqual(r.diagnostics, []);
  assert.throws(() => decide(r.bundle!, input('hello', {}, 'team-a')));
  assert.equal(decide(r.bundle!, input('say b-word', {}, 'team-b')).action, 'BLOCK');
  assert.equal(decide(r.bundle!, input('drop database now', {}, 'team-c')).action, 'BLOCK');
  assert.equal(decide(r.bundle!, input('hello', {}, 'team-c')).action, 'ALLOW');
});
