// The compiled-policy cache of local mode: a second start with the same files takes the bundle from
// the cache and decides the same; a changed policy file is compiled again; an entry another user
// could have written is not trusted; a broken policy is reported, never cached.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DecisionEngine } from '../../waypoint/index.js';
import { loadServedPolicy } from './policy-cache.js';

const policy = (phrase: string) => `apiVersion: semamesh.io/v1alpha1
kind: SemaPolicy
metadata: {name: guard, namespace: default}
spec:
  rules:
    - name: no-${phrase.replace(' ', '-')}
      intentMatches: ["${phrase}"]
      riskLevel: High
      action: BLOCK
`;

/** The action for an agent in `default` whose request carries one intent. */
async function decide(engine: DecisionEngine, intent: string): Promise<string> {
  const input = {
    agent: { namespace: 'default', pod: 'a', serviceAccount: 'default', labels: {}, cgroup: '' },
    request: {
      provider: 'openai',
      api: 'chat.completions',
      model: 'gpt-4o',
      stream: false,
      text: '',
      messages: [],
    },
    features: { intents: [intent], pii: [], tokens: { prompt: 1, max_completion: 0 } },
    quota: {},
    phase: 'request',
  };
  return (await engine.decide(input as never)).action;
}

test('a second load of the same files comes from the cache and decides the same', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'semamesh-policy-cache-'));
  const cache = join(dir, 'cache');
  try {
    writeFileSync(join(dir, 'p.yaml'), policy('delete namespace'));
    const first = await loadServedPolicy([dir], cache);
    assert.equal(first.cached, false);
    assert.equal(await decide(first.engine, 'delete:namespace'), 'BLOCK');
    const second = await loadServedPolicy([dir], cache);
    assert.equal(second.cached, true);
    assert.deepEqual(Buffer.from(second.bundle), Buffer.from(first.bundle));
    assert.deepEqual(second.policies, first.policies);
    assert.equal(await decide(second.engine, 'delete:namespace'), 'BLOCK');
    assert.equal(await decide(second.engine, 'delete:database'), 'ALLOW');

    // An edited policy misses and is compiled: the new rule holds, the old one is gone.
    writeFileSync(join(dir, 'p.yaml'), policy('delete database'));
    const edited = await loadServedPolicy([dir], cache);
    assert.equal(edited.cached, false);
    assert.equal(await decide(edited.engine, 'delete:database'), 'BLOCK');
    assert.equal(await decide(edited.engine, 'delete:namespace'), 'ALLOW');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an entry others may write is ignored and compiled anew', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'semamesh-policy-cache-'));
  const cache = join(dir, 'cache');
  try {
    writeFileSync(join(dir, 'p.yaml'), policy('delete namespace'));
    await loadServedPolicy([dir], cache);
    const [entry] = readdirSync(cache);
    chmodSync(join(cache, entry!), 0o666);
    const again = await loadServedPolicy([dir], cache);
    assert.equal(again.cached, false);
    assert.equal(await decide(again.engine, 'delete:namespace'), 'BLOCK');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a broken policy is reported on every load and never cached', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'semamesh-policy-cache-'));
  const cache = join(dir, 'cache');
  try {
    writeFileSync(join(dir, 'p.yaml'), policy('delete namespace').replace('action: BLOCK', 'action: SMITE'));
    await assert.rejects(loadServedPolicy([dir], cache), /SMITE|action/);
    await assert.rejects(loadServedPolicy([dir], cache), /SMITE|action/);
    assert.ok(!existsSync(cache) || readdirSync(cache).length === 0, 'nothing was cached');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
