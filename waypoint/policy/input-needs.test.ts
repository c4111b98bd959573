// The decision input leaves the conversation's text out only where no Rego of the bundle reads it:
// real bundles from compileResources, loaded in opa-wasm, judged through the waypoint.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import type { SemaPolicy } from '../../api/index.js';
import { buildBundle, compileResources, readBundle } from '../../engine/index.js';
import { startStack } from '../testing/harness.js';
import type { DecisionEngine, DecisionInput } from './decision.js';
import { inputNeeds, requestFor } from './input-needs.js';
import { loadWasmEngine } from './wasm-engine.js';

function policy(name: string, spec: Partial<SemaPolicy['spec']>): SemaPolicy {
  return {
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaPolicy',
    metadata: { name, namespace: 'default' },
    spec: { rules: [], ...spec },
  } as SemaPolicy;
}

function bundleOf(p: SemaPolicy): Uint8Array {
  const r = compileResources({ policies: [p] }, { revision: 'r1', tenancy: 'single' });
  assert.deepEqual(r.diagnostics, []);
  return r.bundle!;
}

/** Wraps an engine to keep every input it was asked about. */
function recording(engine: DecisionEngine, seen: DecisionInput[]): DecisionEngine {
  return new Proxy(engine, {
    get(target, key, receiver) {
      if (key === 'decide')
        return (input: DecisionInput, opts: unknown) => {
          seen.push(input);
          return target.decide(input, opts as never);
        };
      return Reflect.get(target, key, receiver);
    },
  });
}

const INTENT_RULE = {
  name: 'no-drops',
  intentMatches: ['drop database'],
  riskLevel: 'High',
  action: 'BLOCK',
};

async function ask(url: string, content: string): Promise<number> {
  const oa = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'k', maxRetries: 0 });
  try {
    await oa.chat.completions.create({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content },
      ],
    });
    return 200;
  } catch (err) {
    return (err as { status?: number }).status ?? 0;
  }
}

test('intent rules only: the text stays out of the input, and the rule still blocks', async () => {
  const engine = await loadWasmEngine(bundleOf(policy('p', { rules: [INTENT_RULE] as never })));
  assert.deepEqual(engine.needs, { text: false, messages: false });
  const seen: DecisionInput[] = [];
  const s = await startStack({ engine: recording(engine, seen) });
  try {
    assert.equal(await ask(s.url, 'please drop the production database'), 403);
    assert.equal(await ask(s.url, 'summarise the report'), 200);
    assert.equal(seen.length, 2);
    for (const input of seen) {
      assert.equal('text' in input.request, false);
      assert.equal('messages' in input.request, false);
      assert.equal(input.request.model, 'gpt-4o');
    }
    assert.deepEqual(seen[0]!.features.intents, ['delete:database']);
  } finally {
    await s.close();
  }
});

test('a textMatches rule gets the joined text (and still no messages)', async () => {
  const rule = {
    name: 'no-codename',
    textMatches: [{ literal: 'project bluebird' }],
    riskLevel: 'High',
    action: 'BLOCK',
  };
  const engine = await loadWasmEngine(bundleOf(policy('p', { rules: [rule] as never })));
  assert.deepEqual(engine.needs, { text: true, messages: false });
  const seen: DecisionInput[] = [];
  const s = await startStack({ engine: recording(engine, seen) });
  try {
    assert.equal(await ask(s.url, 'tell me about Project Bluebird'), 403);
    assert.match(seen[0]!.request.text, /Project Bluebird/);
    assert.equal('messages' in seen[0]!.request, false);
  } finally {
    await s.close();
  }
});

test('custom Rego reading the messages gets text and messages', async () => {
  const rego = `package custom
import rego.v1
violations contains {"rule": "short-chats", "action": "BLOCK", "message": "too long"} if {
  count(input.request.messages) > 2
}
`;
  const engine = await loadWasmEngine(
    bundleOf(policy('p', { rules: [INTENT_RULE] as never, rego } as never)),
  );
  assert.deepEqual(engine.needs, { text: true, messages: true });
  const s = await startStack({ engine });
  try {
    assert.equal(await ask(s.url, 'hello'), 200);
    const oa = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'k', maxRetries: 0 });
    await assert.rejects(
      oa.chat.completions.create({
        model: 'gpt-4o',
        messages: [
          { role: 'user', content: 'a' },
          { role: 'assistant', content: 'b' },
          { role: 'user', content: 'c' },
        ],
      }),
      (err: unknown) => (err as { status?: number }).status === 403,
    );
  } finally {
    await s.close();
  }
});

test('inputNeeds: comments do not count, any wider use of input does', () => {
  const lib = readBundle(bundleOf(policy('p', { rules: [INTENT_RULE] as never }))).modules;
  const mod = (source: string) => [...lib, { file: 'custom/x.rego', source }];
  const needs = (source: string) => inputNeeds(mod(source), {});
  assert.deepEqual(needs('package x\n# reads input.request.text\nv if input.agent.namespace == "a"\n'), {
    text: false,
    messages: false,
  });
  assert.deepEqual(
    needs('package x\nv if input.request.model == "gpt-4o"\nw if input.features.intents[_]\n'),
    {
      text: false,
      messages: false,
    },
  );
  for (const wide of [
    'v if contains(input.request.text, "x")',
    'v if some m in input.request.messages',
    'r := input.request',
    'v if input["request"]',
    'f(input)',
  ])
    assert.deepEqual(needs(`package x\n${wide}\n`), { text: true, messages: true }, wide);
  const req = { provider: 'openai', api: 'chat.completions', model: 'm', stream: false } as never;
  assert.equal(requestFor(req, { text: true, messages: true }), req);
});

test('inputNeeds: a bundle whose entrypoints were pruned into policy.wasm (as opa build -t wasm) gets everything', () => {
  const source =
    'package x\n\ndecision := {"action": "BLOCK"} if contains(input.request.text, "drop")\n\nn := 1\n';
  for (const prune of [false, true]) {
    const built = buildBundle({ modules: [{ file: 'x.rego', source }], entrypoints: ['x/decision'], prune });
    assert.deepEqual(built.diagnostics, []);
    const bundle = readBundle(built.bundle!);
    assert.equal(bundle.modules[0]?.source.includes('contains('), !prune);
    assert.deepEqual(inputNeeds(bundle.modules, bundle.data, bundle.entrypoints), {
      text: true,
      messages: true,
    });
  }
  const narrow = 'package x\n\nimport data.y.decision\n\nv if input.agent.namespace == "a"\n';
  assert.deepEqual(inputNeeds([{ file: 'x.rego', source: narrow }], {}, ['x/decision']), {
    text: false,
    messages: false,
  });
});
