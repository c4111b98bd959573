// The README's main command: the demo must run every step as promised and say so.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runDemo } from './demo.js';
import { startLocalMode } from './up.js';

test('semamesh demo runs the whole story and every step behaves as promised', async () => {
  const lines: string[] = [];
  const code = await runDemo((l = '') => lines.push(l));
  const out = lines.join('\n');
  assert.equal(code, 0, out);
  assert.match(out, /HTTP 403 semamesh_policy_violation/);
  assert.match(out, /rule named: default\/prevent-unauthorized-deletion/);
  assert.match(out, /stream cut with an error event/);
  assert.match(out, /All steps behaved as promised/);
  assert.doesNotMatch(out, /✘/);
});

test('semamesh up serves the given policies and refuses what they block', async () => {
  const local = await startLocalMode(
    {
      policies: [new URL('../../examples/sample-policy.yaml', import.meta.url).pathname],
      mock: true,
      host: '127.0.0.1',
      port: 0,
      adminPort: 0,
      syncInterval: 60,
      auditStream: new (await import('node:stream')).PassThrough(),
    },
    () => undefined,
  );
  try {
    const send = (content: string) =>
      fetch(`${local.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content }] }),
      });
    assert.equal((await send('Hello world')).status, 200);
    const blocked = await send('terminate the node pool node-3');
    assert.equal(blocked.status, 403);
    assert.match(await blocked.text(), /prevent-unauthorized-deletion/);
  } finally {
    await local.close();
  }
});

test('semamesh up refuses to start on a broken policy and names the file', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const dir = mkdtempSync('/tmp/semamesh-up-bad-');
  writeFileSync(
    `${dir}/bad.yaml`,
    'apiVersion: semamesh.io/v1alpha1\nkind: SemaPolicy\nmetadata: {name: x, namespace: d}\nspec:\n  rules:\n    - name: r\n      intentMatches: [drop database]\n      riskLevel: Critical\n      action: EXPLODE\n',
  );
  await assert.rejects(
    startLocalMode(
      { policies: [dir], host: '127.0.0.1', port: 0, adminPort: 0, syncInterval: 60 },
      () => undefined,
    ),
    /bad\.yaml:9:\d+/,
  );
});

test('semamesh up enforces the SemaQuotas it finds next to the policies', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const dir = mkdtempSync('/tmp/semamesh-up-quota-');
  writeFileSync(
    `${dir}/quota.yaml`,
    'apiVersion: semamesh.io/v1alpha1\nkind: SemaQuota\nmetadata: {name: tiny, namespace: default}\nspec:\n  limits:\n    - window: hour\n      requests: 2\n',
  );
  const local = await startLocalMode(
    {
      policies: [dir],
      mock: true,
      host: '127.0.0.1',
      port: 0,
      adminPort: 0,
      syncInterval: 60,
      auditStream: new (await import('node:stream')).PassThrough(),
    },
    () => undefined,
  );
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${local.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
        body: JSON.stringify({
          model: 'gpt-4o',
          max_tokens: 16,
          messages: [{ role: 'user', content: `hello ${i}` }],
        }),
      });
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    assert.deepEqual(statuses, [200, 200, 429]);
  } finally {
    await local.close();
  }
});
