// `semamesh waypoint --workers 2` as the DaemonSet runs it: two event loops on one port, the admin
// port on the primary (metrics summed over both), a watched bundle swapped in every loop together,
// a clean stop.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { SemaPolicy } from '../../api/index.js';
import { compileResources } from '../../engine/index.js';
import { createMockLlm, type MockLlm } from '../../test/mock-llm/index.js';

const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'waypoint-workers-test-'));
const bundlePath = join(dir, 'bundle.tar.gz');
let child: ChildProcess;
let mock: MockLlm;
let url = '';
let adminUrl = '';
let out = '';

function bundle(revision: string, phrase: string): Uint8Array {
  const policy = {
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaPolicy',
    metadata: { name: 'p', namespace: 'default' },
    spec: { rules: [{ name: 'r', intentMatches: [phrase], riskLevel: 'High', action: 'BLOCK' }] },
  } as unknown as SemaPolicy;
  const r = compileResources({ policies: [policy] }, { revision, tenancy: 'single' });
  assert.deepEqual(r.diagnostics, []);
  return r.bundle!;
}

/** The status of one request on a fresh connection (the primary hands connections out in turn). */
async function status(content: string): Promise<number> {
  const r = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer sk-test', connection: 'close' },
    body: JSON.stringify({ model: 'gpt-4o', max_tokens: 8, messages: [{ role: 'user', content }] }),
  });
  await r.arrayBuffer();
  return r.status;
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const re = new RegExp(`^${name}(\\{[^}]*\\})? (\\d+(\\.\\d+)?)$`, 'gm');
  return [...text.matchAll(re)].reduce((n, m) => n + Number(m[2]), 0);
}

before(async () => {
  mock = await createMockLlm({ port: 0 });
  writeFileSync(bundlePath, bundle('rev-1', 'drop database'));
  child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'cli/semamesh.ts',
      'waypoint',
      '--workers',
      '2',
      '-p',
      '0',
      '--admin-port',
      '0',
      '--bundle',
      bundlePath,
      '--openai',
      mock.url,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      out += chunk;
      for (const line of out.split('\n')) {
        if (!line.includes('waypoint listening')) continue;
        const rec = JSON.parse(line) as { url: string; admin: string; workers?: number };
        assert.equal(rec.workers, 2);
        url = rec.url;
        adminUrl = rec.admin;
        resolve();
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => reject(new Error(`semamesh waypoint exited with ${code}:\n${out}`)));
  });
});

after(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  await mock?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('two loops serve one port with the bundle; a new bundle is in force in both together', async () => {
  // Ready once both loops serve and the primary has handed them a bundle.
  let ready: { ready: boolean; workers: number } = { ready: false, workers: 0 };
  for (let i = 0; i < 100 && !ready.ready; i++) {
    ready = (await (await fetch(`${adminUrl}/readyz`)).json()) as typeof ready;
    if (!ready.ready) await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual([ready.ready, ready.workers], [true, 2], out);
  // Each loop loaded the bundle into its own engine: the loaded counter is summed over both.
  for (let i = 0; i < 50 && (await metric('semamesh_waypoint_bundle_updates_total')) < 2; i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.equal(await metric('semamesh_waypoint_bundle_updates_total'), 2);
  for (let i = 0; i < 6; i++) {
    assert.equal(await status('Please drop the production database now.'), 403);
    assert.equal(await status('Delete the staging namespace.'), 200);
  }

  writeFileSync(bundlePath, bundle('rev-2', 'delete namespace'));
  for (let i = 0; i < 100 && (await metric('semamesh_waypoint_bundle_updates_total')) < 4; i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.equal(await metric('semamesh_waypoint_bundle_updates_total'), 4, 'both loops swapped');
  for (let i = 0; i < 6; i++) {
    assert.equal(await status('Delete the staging namespace.'), 403);
    assert.equal(await status('Please drop the production database now.'), 200);
  }
  // 24 requests plus the ones above, counted by whichever loop served them, summed by the primary.
  assert.ok((await metric('semamesh_waypoint_requests_total')) >= 24);
});

test('SIGTERM stops the primary and both loops', async () => {
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
});
