// Tests for `semamesh waypoint`: policies compiled from SemaPolicy YAML are enforced end to end, and
// the command's options parse.
import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { compileResources } from '../../engine/index.js';
import { createMockLlm } from '../../test/mock-llm/index.js';
import { registerWaypoint, runWaypoint } from './waypoint.js';

const policyYaml = (action: string) =>
  `apiVersion: semamesh.io/v1alpha1\nkind: SemaPolicy\nmetadata: {name: drops, namespace: default}\nspec:\n  rules:\n    - name: drops\n      intentMatches: [drop database]\n      riskLevel: High\n      action: ${action}\n`;

const quotaYaml =
  'apiVersion: semamesh.io/v1alpha1\nkind: SemaQuota\nmetadata: {name: two, namespace: default}\nspec:\n  limits:\n    - window: minute\n      requests: 2\n';

function chat(url: string, content: string): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content }] }),
  });
}

test('runWaypoint with --policies enforces the sample policy against the given upstreams', async () => {
  const mock = await createMockLlm({ tokenizer: 'approx' });
  const { waypoint, url } = await runWaypoint({
    port: 0,
    host: '127.0.0.1',
    adminPort: 0,
    openai: mock.url,
    anthropic: mock.url,
    policies: [new URL('../../examples/sample-policy.yaml', import.meta.url).pathname],
    auditFile: '/dev/null',
  });
  try {
    const ask = (content: string) =>
      fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content }] }),
      });
    assert.equal((await ask('terminate the node pool')).status, 403);
    assert.equal((await ask('hello')).status, 200);
  } finally {
    await waypoint.close();
    await mock.close();
  }
});

test('the command rejects a bad port before starting anything', async () => {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined });
  registerWaypoint(program);
  await assert.rejects(program.parseAsync(['node', 'x', 'waypoint', '--port', 'http']), /port number/);
});

test('an invalid SemaPolicy is reported with its diagnostics and nothing starts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wp-cli-'));
  const file = join(dir, 'bad.yaml');
  writeFileSync(
    file,
    'apiVersion: semamesh.io/v1alpha1\nkind: SemaPolicy\nmetadata: {name: bad, namespace: default}\nspec:\n  rules:\n    - name: r\n      intentMatches: [drop database]\n      action: EXPLODE\n',
  );
  await assert.rejects(
    runWaypoint({
      port: 0,
      host: '127.0.0.1',
      adminPort: 0,
      openai: 'http://127.0.0.1:1',
      anthropic: 'http://127.0.0.1:1',
      policies: [file],
    }),
    /bad\.yaml:\d+:\d+: .*action/,
  );
});

test('SemaQuotas in --policies YAML are enforced from the --quota-db SQLite store', async () => {
  const mock = await createMockLlm({ tokenizer: 'approx' });
  const dir = mkdtempSync(join(tmpdir(), 'wp-cli-quota-'));
  const file = join(dir, 'all.yaml');
  writeFileSync(file, `${policyYaml('BLOCK')}---\n${quotaYaml}`);
  const running = await runWaypoint({
    port: 0,
    host: '127.0.0.1',
    adminPort: 0,
    openai: mock.url,
    anthropic: mock.url,
    policies: [file],
    quotaDb: join(dir, 'quota.db'),
    cache: true,
    auditFile: '/dev/null',
  });
  try {
    const first = await chat(running.url, 'hello');
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-ratelimit-remaining-requests'), '1');
    assert.equal(first.headers.get('x-semamesh-cache'), 'miss');
    await first.body?.cancel();
    assert.equal((await chat(running.url, 'drop the database')).status, 403);
    const second = await chat(running.url, 'hello again');
    assert.equal(second.status, 200);
    await second.body?.cancel();
    const third = await chat(running.url, 'one more');
    assert.equal(third.status, 429);
    assert.ok(Number(third.headers.get('retry-after')) >= 1);
    await third.body?.cancel();
  } finally {
    await running.close();
    await mock.close();
  }
});

test('--bundle is watched: a new bundle written over it is swapped in', async () => {
  const mock = await createMockLlm({ tokenizer: 'approx' });
  const dir = mkdtempSync(join(tmpdir(), 'wp-cli-bundle-'));
  const bundleFile = join(dir, 'bundle.tar.gz');
  const compile = (action: string, revision: string) => {
    const yaml = policyYaml(action);
    const r = compileResources({ policies: [parseYaml(yaml)] }, { revision });
    assert.ok(r.bundle);
    return r.bundle;
  };
  writeFileSync(bundleFile, compile('BLOCK', 'v1'));
  const running = await runWaypoint({
    port: 0,
    host: '127.0.0.1',
    adminPort: 0,
    openai: mock.url,
    anthropic: mock.url,
    bundle: bundleFile,
    auditFile: '/dev/null',
  });
  try {
    assert.equal(running.waypoint.holder.revision, 'v1');
    assert.equal((await chat(running.url, 'drop the database')).status, 403);
    // Written atomically the usual way: a temp file renamed over the watched one.
    writeFileSync(join(dir, 'next.tmp'), compile('ALLOW', 'v2'));
    renameSync(join(dir, 'next.tmp'), bundleFile);
    const revision = (): string => running.waypoint.holder.revision;
    for (let i = 0; i < 1000 && revision() !== 'v2'; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(revision(), 'v2');
    const allowed = await chat(running.url, 'drop the database');
    assert.equal(allowed.status, 200);
    await allowed.body?.cancel();
  } finally {
    await running.close();
    await mock.close();
  }
});

test('--help lists the bundle, quota and cache options', () => {
  const program = new Command().exitOverride();
  registerWaypoint(program);
  const help = program.commands.find((c) => c.name() === 'waypoint')?.helpInformation() ?? '';
  for (const flag of [
    '--bundle-url',
    '--bundle-public-key',
    '--bundle-secret',
    '--bundle-key-id',
    '--quota-db',
    '--redis-url',
    '--cache',
    '--cache-ttl',
  ])
    assert.ok(help.includes(flag), `${flag} in --help`);
});
