// End-to-end tests of SemaPolicy → bundle → opa-wasm decision, including hostile resource strings.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { SemaPolicy } from '../../api/index.js';
import { validatePaths } from '../../api/index.js';
import { defaultCanonicalizer } from '../../intent/canonicalize.js';
import { readBundle } from '../bundle/index.js';
import { loadPolicySync } from '../policy.js';
import { compileResources } from './compile-resources.js';

const root = new URL('../..', import.meta.url).pathname;

function policy(name: string, spec: Partial<SemaPolicy['spec']>): SemaPolicy {
  return {
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaPolicy',
    metadata: { name, namespace: 'default' },
    spec: { rules: [], ...spec },
  } as SemaPolicy;
}

function input(text: string, extra: Record<string, unknown> = {}) {
  return {
    agent: { namespace: 'ai-agents', pod: 'agent-0', serviceAccount: 'agent', labels: {} },
    request: { provider: 'openai', text, tool_calls: [] },
    features: { intents: defaultCanonicalizer().pairs(text), pii: [] },
    quota: {},
    phase: 'request',
    ...extra,
  };
}

function decide(bundle: Uint8Array, inp: unknown) {
  const p = loadPolicySync(readBundle(bundle));
  const rows = p.evaluate(inp, 'semamesh/decision');
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
  assert.deepEqual(r.data.semamesh.policies['default/prevent-unauthorized-deletion'].rules[0].intents, [
    'delete:database',
    'delete:namespace',
    'delete:node',
    'delete:schema',
    'delete:table',
  ]);
  const blocked = decide(r.bundle, input('I want to delete the production database'));
  assert.equal(blocked.action, 'BLOCK');
  assert.equal(blocked.risk, 'Critical');
  assert.equal(blocked.reasons[0].rule, 'prevent-unauthorized-deletion');
  assert.equal(decide(r.bundle, input('Hello world')).action, 'ALLOW');
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
  assert.deepEqual(r.data.semamesh.policies['default/hr'].rules[0].intents, ['fire:employee']);
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
    /package semamesh\.custom\["default\/custom"\]/,
  );
  const d = decide(r.bundle!, input('print the prod secret'));
  assert.equal(d.action, 'BLOCK');
  assert.equal(d.reasons[0].policy, 'custom/default/custom');
  assert.equal(decide(r.bundle!, input('hello')).action, 'ALLOW');
});

test('broken custom Rego is a located diagnostic, not a bundle', () => {
  const r = compileResources({ policies: [policy('broken', { rules: [], rego: 'package x\nallow if {' })] });
  assert.equal(r.bundle, undefined);
  assert.equal(r.diagnostics[0].code, 'rego_parse_error');
  assert.equal(r.diagnostics[0].location?.file, 'custom/default/broken.rego');
});

test('custom Rego that opens with its own METADATA block still compiles', () => {
  const rego =
    '# METADATA\n# title: mine\npackage foo\nimport rego.v1\nviolations contains {"rule": "x"} if input.request.text == "boom"\n';
  const r = compileResources({ policies: [policy('meta', { rules: [], rego })] });
  assert.deepEqual(r.diagnostics, []);
  assert.equal(decide(r.bundle!, input('boom')).action, 'BLOCK');
});
