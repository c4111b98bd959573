// Tests for `semamesh waypoint`: policies compiled from SemaPolicy YAML are enforced end to end, and
// the command's options parse.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Command } from 'commander';
import { createMockLlm } from '../../test/mock-llm/index.js';
import { registerWaypoint, runWaypoint } from './waypoint.js';

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
