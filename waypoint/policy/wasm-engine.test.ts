// The real policy path end to end: a SemaPolicy compiled by our Rego → wasm compiler, loaded in
// opa-wasm behind the DecisionEngine seam, enforced by the waypoint on OpenAI and Anthropic traffic.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { parse } from 'yaml';
import { compileResources } from '../../engine/index.js';
import { defaultCanonicalizer } from '../../intent/index.js';
import { type Stack, startStack } from '../testing/harness.js';
import { loadWasmEngine, type WasmEngine, wasmDecisionEngine } from './wasm-engine.js';

let s: Stack;
let engine: WasmEngine;
let oa: OpenAI;

before(async () => {
  const policy = parse(readFileSync(new URL('../../examples/sample-policy.yaml', import.meta.url), 'utf8'));
  // One tenant: the harness's agents come from 127.0.0.1 with no namespace.
  const compiled = compileResources({ policies: [policy] }, { revision: 'sample-1', tenancy: 'single' });
  assert.deepEqual(compiled.diagnostics, []);
  engine = await loadWasmEngine(compiled.bundle!);
  s = await startStack({ engine });
  oa = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'k', maxRetries: 0 });
});
after(() => s?.close());

test('an engine shares the process canonicalizer unless its bundle adds words to the lexicon', () => {
  // The sample adds no word: no second phrase table is built at start-up.
  assert.equal(engine.canonicalizer, defaultCanonicalizer());
  const own = wasmDecisionEngine(engine.policy, {
    revision: 'own-words',
    vocabulary: { actions: { delete: ['zorbify'] }, objects: {} },
  });
  assert.notEqual(own.canonicalizer, defaultCanonicalizer());
  assert.equal(own.canonicalizer.actionOf('zorbify'), 'delete');
  assert.equal(defaultCanonicalizer().actionOf('zorbify'), undefined);
});

test('the sample policy blocks "drop the production database" with its rule and message', async () => {
  await assert.rejects(
    oa.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'please drop the production database' }],
    }),
    (err: unknown) => {
      assert.ok(err instanceof OpenAI.PermissionDeniedError);
      assert.equal(err.code, 'semamesh_policy_violation');
      assert.equal((err.error as { rule: string }).rule, 'default/prevent-unauthorized-deletion');
      assert.match(err.message, /need a human/);
      return true;
    },
  );
  const ok = await oa.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'list the databases' }],
  });
  assert.match(ok.choices[0].message.content ?? '', /Mock reply/);
  assert.deepEqual(await (await fetch(`${s.adminUrl}/readyz`)).json(), { ready: true, revision: 'sample-1' });
});

test('the sample policy cuts a streamed `kubectl delete ns prod` tool call (OpenAI and Anthropic)', async () => {
  const stream = await oa.chat.completions.create({
    model: 'gpt-4o',
    stream: true,
    messages: [{ role: 'user', content: 'run the cleanup' }],
  });
  await assert.rejects(
    (async () => {
      for await (const c of stream) assert.equal(c.choices[0]?.delta?.tool_calls, undefined);
    })(),
    (err: unknown) =>
      err instanceof OpenAI.APIError && /prevent-unauthorized-deletion/.test(JSON.stringify(err.error)),
  );
  const an = new Anthropic({ baseURL: s.url, apiKey: 'k', maxRetries: 0 });
  const events = await an.messages.create({
    model: 'claude-haiku-4-5',
    max_tokens: 100,
    stream: true,
    messages: [{ role: 'user', content: 'run the cleanup' }],
  });
  await assert.rejects(
    (async () => {
      for await (const _ of events) {
        // drain until the error event
      }
    })(),
    Anthropic.APIError,
  );
});
