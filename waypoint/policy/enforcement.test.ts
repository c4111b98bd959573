// The policy seam end to end: fail-closed without or with a failing engine, counted fail-open, atomic
// swaps that leave in-flight requests on their engine, and THROTTLE / PAUSE / REDACT enforcement.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import { intentEngine, startStack } from '../testing/harness.js';
import type { Decision, DecisionEngine, DecisionInput } from './decision.js';
import type { PauseReport } from './pause-reporter.js';

const chat = (content: string) => JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content }] });
const h = { authorization: 'Bearer k', 'content-type': 'application/json' };

interface Reply {
  error: { code: string; rule?: string; semamesh_code?: string };
  choices: { message: { content: string; tool_calls: { function: { name: string } }[] } }[];
}

async function post(url: string, body: string) {
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: h, body });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Reply };
}

test('no policy loaded: 503 SM_ERR_WAYPOINT_NO_POLICY and not ready; a swap makes it serve', async () => {
  const s = await startStack();
  try {
    const r = await post(s.url, chat('hello'));
    assert.equal(r.status, 503);
    assert.equal(r.json.error.code, 'SM_ERR_WAYPOINT_NO_POLICY');
    assert.equal((await fetch(`${s.adminUrl}/readyz`)).status, 503);
    assert.equal(s.mock.requests.length, 0);
    s.wp.holder.swap(intentEngine({}, 'rev-2'));
    assert.equal((await post(s.url, chat('hello'))).status, 200);
    assert.deepEqual(await (await fetch(`${s.adminUrl}/readyz`)).json(), { ready: true, revision: 'rev-2' });
  } finally {
    await s.close();
  }
});

test('failOpen: requests pass without a policy and every one is counted', async () => {
  const s = await startStack({ failOpen: true });
  try {
    assert.equal((await post(s.url, chat('hello'))).status, 200);
    assert.equal((await post(s.url, chat('hello again'))).status, 200);
    const m = await (await fetch(`${s.adminUrl}/metrics`)).text();
    assert.match(m, /semamesh_waypoint_fail_open_total\{reason="no_policy"\} 2/);
  } finally {
    await s.close();
  }
});

test('an engine that throws or is too slow fails closed with SM_ERR_WAYPOINT_POLICY_ERROR', async () => {
  const throwing: DecisionEngine = {
    revision: 'bad',
    decide() {
      throw new Error('wasm trap');
    },
  };
  const slow: DecisionEngine = {
    revision: 'slow',
    decide: () =>
      new Promise<Decision>((r) =>
        setTimeout(() => r({ action: 'ALLOW', risk: 'low', reasons: [], redactions: [] }), 300),
      ),
  };
  const garbage = { revision: 'g', decide: () => ({ action: 'MAYBE' }) } as unknown as DecisionEngine;
  const s = await startStack({ engine: throwing, policyTimeoutMs: 20 });
  try {
    for (const engine of [throwing, slow, garbage]) {
      s.wp.holder.swap(engine);
      const r = await post(s.url, chat('hello'));
      assert.equal(r.status, 503);
      assert.equal(r.json.error.code, 'SM_ERR_WAYPOINT_POLICY_ERROR');
    }
    assert.equal(s.mock.requests.length, 0);
  } finally {
    await s.close();
  }
});

test('swap is atomic: a request in flight keeps the engine it started with for both phases', async () => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let entered: () => void = () => undefined;
  const inside = new Promise<void>((r) => {
    entered = r;
  });
  const first = intentEngine({}, 'A');
  const gated: DecisionEngine = {
    revision: 'A',
    async decide(input: DecisionInput) {
      if (input.phase === 'request') {
        entered();
        await gate;
      }
      return first.decide(input);
    },
  };
  const s = await startStack({ engine: gated, policyTimeoutMs: 5000 });
  try {
    const inflight = post(s.url, chat('run the cleanup'));
    await inside;
    s.wp.holder.swap(intentEngine({ 'delete:namespace': 'BLOCK' }, 'B'));
    release();
    const r = await inflight;
    assert.equal(r.status, 200, 'engine A allowed the tool call in the response phase too');
    assert.equal(r.json.choices[0].message.tool_calls[0].function.name, 'shell');
    const after = await post(s.url, chat('run the cleanup'));
    assert.equal(after.status, 403);
    assert.equal(after.json.error.rule, 'test/delete:namespace');
  } finally {
    await s.close();
  }
});

test('THROTTLE → 429 with Retry-After and RateLimit headers (the SDK raises RateLimitError)', async () => {
  const s = await startStack({ engine: intentEngine({ 'delete:database': 'THROTTLE' }) });
  try {
    const r = await post(s.url, chat('drop the db'));
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '7');
    assert.equal(r.headers.get('ratelimit-policy'), '"test_delete_database";q=0;w=7');
    assert.equal(r.headers.get('ratelimit'), '"test_delete_database";r=0;t=7');
    assert.equal(r.json.error.code, 'SM_ERR_WAYPOINT_THROTTLED');
    const oa = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: 'k', maxRetries: 0 });
    await assert.rejects(
      oa.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'drop the db' }] }),
      OpenAI.RateLimitError,
    );
  } finally {
    await s.close();
  }
});

test('PAUSE → 403 and a report with the agent, rule and request digest', async () => {
  const reports: PauseReport[] = [];
  const s = await startStack({
    engine: intentEngine({ 'delete:namespace': 'PAUSE' }),
    pauseReporter: { report: (r) => void reports.push(r) },
    identify: () => ({
      namespace: 'agents',
      pod: 'agent-7',
      serviceAccount: 'runner',
      labels: { app: 'a' },
      cgroup: '/kubepods/x',
    }),
  });
  try {
    const r = await post(s.url, chat('delete the prod namespace'));
    assert.equal(r.status, 403);
    assert.equal(r.json.error.semamesh_code, 'SM_ERR_WAYPOINT_POLICY_PAUSE');
    await new Promise((res) => setImmediate(res));
    assert.equal(reports.length, 1);
    assert.equal(reports[0].agent.pod, 'agent-7');
    assert.equal(reports[0].rule, 'test/delete:namespace');
    assert.match(reports[0].requestDigest, /^[0-9a-f]{64}$/);
  } finally {
    await s.close();
  }
});

test('REDACT → PII is removed from the forwarded request and from the reply; features.pii reaches the engine', async () => {
  const engine = intentEngine({ 'pii:email': 'REDACT' });
  const s = await startStack({ engine });
  try {
    const r = await post(s.url, chat('mail alice@example.com the card 4111 1111 1111 1111'));
    assert.equal(r.status, 200);
    const sent = JSON.stringify(s.mock.requests.at(-1)!.body);
    assert.ok(!sent.includes('alice@example.com') && !sent.includes('4111 1111'));
    assert.match(sent, /\[REDACTED:email\]/);
    assert.deepEqual(engine.inputs[0].features.pii, ['credit_card', 'email']);
    assert.match(r.json.choices[0].message.content, /\[REDACTED:email\]/);
  } finally {
    await s.close();
  }
});

test('a bare {"prompt"} body on the chat path is checked like messages; the agent identity reaches the engine', async () => {
  const engine = intentEngine({ 'delete:database': 'BLOCK' });
  const s = await startStack({ engine, identify: () => ({ pod: 'p1', namespace: 'ns1' }) });
  try {
    const r = await post(s.url, JSON.stringify({ prompt: 'drop the database' }));
    assert.equal(r.status, 403);
    assert.equal(engine.inputs[0].request.text, 'drop the database');
    assert.equal(engine.inputs[0].agent.pod, 'p1');
    assert.equal(engine.inputs[0].phase, 'request');
  } finally {
    await s.close();
  }
});

test('an engine that carries its own canonicalizer (bundle vocabulary) is used for the intents', async () => {
  const base = intentEngine({ 'delete:database': 'BLOCK' });
  const withVocab = Object.assign(base, {
    canonicalizer: {
      pairs: (text: string) => (/yeet the ledger/.test(text) ? ['delete:database'] : []),
      toolCall: () => [],
    },
  });
  const s = await startStack({ engine: withVocab });
  try {
    const r = await post(s.url, chat('please yeet the ledger'));
    assert.equal(r.status, 403);
    assert.equal(r.json.error.rule, 'test/delete:database');
  } finally {
    await s.close();
  }
});
