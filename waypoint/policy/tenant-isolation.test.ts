// Issue 15 findings 1–3 through a real waypoint: one namespace's custom Rego (slow, broken or greedy)
// is judged and fails for that namespace only; the policy timeout stops a slow decision; fail-open
// never turns off another namespace's rules, nor the cluster's rules for the failing namespace.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import type { SemaClusterPolicy, SemaPolicy } from '../../api/index.js';
import { compileResources } from '../../engine/index.js';
import { type Stack, startStack } from '../testing/harness.js';
import { loadWasmEngine } from './wasm-engine.js';

const ns = (namespace: string, name: string, spec: Partial<SemaPolicy['spec']>): SemaPolicy =>
  ({
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaPolicy',
    metadata: { name, namespace },
    spec: { rules: [], ...spec },
  }) as SemaPolicy;

const cluster: SemaClusterPolicy = {
  apiVersion: 'semamesh.io/v1alpha1',
  kind: 'SemaClusterPolicy',
  metadata: { name: 'no-drops' },
  spec: {
    rules: [{ name: 'no-drops', intentMatches: ['drop database'], riskLevel: 'High', action: 'BLOCK' }],
  },
} as SemaClusterPolicy;

// A cartesian product over 3000 × 3000 numbers: tens of seconds of generated loops.
const SLOW = `package slow
import rego.v1
n := numbers.range(1, 3000)
violations contains {"rule": "slow"} if count({[a, b] | some a in n; some b in n; a + b == 7}) > 100000000
`;
const BROKEN = `package broken
import rego.v1
v := 1 if input.request.text != ""
v := 2 if input.request.text != ""
violations contains {"rule": "never"} if v
`;
const GREEDY = `package greedy
import rego.v1
violations contains {"rule": "pause-everyone", "action": "PAUSE"} if true
`;

async function stack(failOpen: boolean): Promise<Stack> {
  const compiled = compileResources({
    policies: [
      cluster,
      ns('team-slow', 'slow', { rego: SLOW }),
      ns('team-broken', 'broken', { rego: BROKEN }),
      ns('team-greedy', 'greedy', { rego: GREEDY }),
      ns('team-greedy', 'drops', {
        rules: [
          { name: 'no-truncate', intentMatches: ['truncate table'], riskLevel: 'High', action: 'BLOCK' },
        ],
      }),
    ],
  });
  assert.deepEqual(compiled.diagnostics, []);
  return startStack({
    engine: await loadWasmEngine(compiled.bundle!),
    policyTimeoutMs: 50,
    failOpen,
    // Agents are told apart by a test header here; the eBPF/cgroup lookup does it in production.
    identify: ({ headers }) => ({ namespace: String(headers['x-test-ns']), pod: 'agent-0' }),
  });
}

function client(s: Stack, namespace: string): OpenAI {
  return new OpenAI({
    baseURL: `${s.url}/v1`,
    apiKey: 'k',
    maxRetries: 0,
    defaultHeaders: { 'x-test-ns': namespace },
  });
}

const ask = (s: Stack, namespace: string, content: string) =>
  client(s, namespace).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content }] });

async function metric(s: Stack, name: string): Promise<string> {
  const text = await (await fetch(`${s.adminUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(name))
    .join('\n');
}

describe('fail-closed (default)', () => {
  let s: Stack;
  before(async () => {
    s = await stack(false);
  });
  after(() => s?.close());

  test('a slow namespace module answers with a timeout refusal, for that namespace only, counted', async () => {
    await assert.rejects(ask(s, 'team-slow', 'hello'), (err: unknown) => {
      assert.ok(err instanceof OpenAI.APIError);
      assert.equal(err.status, 503);
      assert.match(err.message, /custom Rego of namespace team-slow: no answer within 50 ms/);
      return true;
    });
    const ok = await ask(s, 'team-other', 'hello');
    assert.match(ok.choices[0].message.content ?? '', /Mock reply/);
    assert.match(
      await metric(s, 'semamesh_waypoint_policy_failures_total'),
      /namespace="team-slow",reason="timeout",scope="namespace"|reason="timeout",scope="namespace",namespace="team-slow"/,
    );
  });

  test("a module that errors fails its namespace's requests only", async () => {
    await assert.rejects(ask(s, 'team-broken', 'hello'), (err: unknown) => {
      assert.ok(err instanceof OpenAI.APIError);
      assert.equal(err.status, 503);
      return true;
    });
    const ok = await ask(s, 'team-other', 'hello');
    assert.match(ok.choices[0].message.content ?? '', /Mock reply/);
  });

  test("a namespace's greedy custom Rego pauses nobody else", async () => {
    await assert.rejects(ask(s, 'team-greedy', 'hello'), OpenAI.APIError);
    const ok = await ask(s, 'team-other', 'hello');
    assert.match(ok.choices[0].message.content ?? '', /Mock reply/);
  });

  test('cluster rules still hold everywhere', async () => {
    await assert.rejects(
      ask(s, 'team-other', 'please drop the orders database'),
      OpenAI.PermissionDeniedError,
    );
  });
});

describe('fail-open', () => {
  let s: Stack;
  before(async () => {
    s = await stack(true);
  });
  after(() => s?.close());

  test("fail-open after a namespace's module fails keeps the cluster's rules for that namespace", async () => {
    const ok = await ask(s, 'team-broken', 'hello');
    assert.match(ok.choices[0].message.content ?? '', /Mock reply/);
    await assert.rejects(
      ask(s, 'team-broken', 'please drop the orders database'),
      OpenAI.PermissionDeniedError,
      'the SemaClusterPolicy still blocks in the failing namespace',
    );
    await assert.rejects(
      ask(s, 'team-slow', 'please drop the orders database'),
      OpenAI.PermissionDeniedError,
      'a timeout in the namespace module does not switch cluster rules off',
    );
    assert.match(await metric(s, 'semamesh_waypoint_fail_open_total'), /policy_error/);
  });

  test("fail-open never disables another namespace's rules", async () => {
    await assert.rejects(
      ask(s, 'team-greedy', 'hello'),
      OpenAI.APIError,
      'team-greedy still pauses its own agents',
    );
    await assert.rejects(ask(s, 'team-greedy', 'truncate the users table'), OpenAI.APIError);
  });
});
