// The compiled-policy cache of local mode: a second start with the same files takes the bundle from
// the cache and decides the same; a changed policy file is compiled again; an entry another user
// could have written is not trusted; a broken policy is reported, never cached; a build's id keys the
// compiler, and a module rebuilt after the id falls back to statting every compiler file.
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DecisionEngine } from '../../waypoint/index.js';
import { fingerprintOf, loadServedPolicy } from './policy-cache.js';

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

test('the compiler is keyed by dist/build-id, or by its files when the id is missing or older', () => {
  const root = mkdtempSync(join(tmpdir(), 'semamesh-fingerprint-'));
  try {
    mkdirSync(join(root, 'engine'));
    mkdirSync(join(root, 'cli'));
    const self = join(root, 'cli', 'policy-cache.js');
    const compiler = join(root, 'engine', 'compile.js');
    const old = new Date(Date.now() - 60_000);
    writeFileSync(self, '// module');
    writeFileSync(compiler, 'one');
    utimesSync(self, old, old);
    utimesSync(compiler, old, old);
    const id = (c: string) => `${c.repeat(64)}\n`;

    // Without an id the files count: a rewritten compiler file changes the key.
    const walked = fingerprintOf(root, self);
    writeFileSync(compiler, 'two!');
    assert.notEqual(fingerprintOf(root, self), walked);

    // With an id newer than the module, the id is the key: compiler files are not stat'ed.
    writeFileSync(join(root, 'build-id'), id('a'));
    const a = fingerprintOf(root, self);
    writeFileSync(compiler, 'three');
    assert.equal(fingerprintOf(root, self), a);
    writeFileSync(join(root, 'build-id'), id('b'));
    assert.notEqual(fingerprintOf(root, self), a);

    // A module rewritten after the id (tsc without the asset step) distrusts it.
    const b = fingerprintOf(root, self);
    utimesSync(join(root, 'build-id'), old, old);
    writeFileSync(self, '// rebuilt');
    const stale = fingerprintOf(root, self);
    assert.notEqual(stale, b);
    writeFileSync(compiler, 'four');
    assert.notEqual(fingerprintOf(root, self), stale);

    // A malformed id is not trusted either.
    writeFileSync(join(root, 'build-id'), 'not a hash\n');
    assert.notEqual(fingerprintOf(root, self), b);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
