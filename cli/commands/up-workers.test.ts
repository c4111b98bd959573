// `semamesh up --workers 2` as a user runs it: one port served by two event loops, a budget that
// holds exactly across them, metrics summed over both, a killed worker replaced, a clean stop.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';

const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'up-workers-test-'));
// The run's own temp directory, so other tests' temp files (run in parallel) cannot blur the check
// that the shared directory is removed.
const runTmp = join(dir, 'tmp');
mkdirSync(runTmp);
let child: ChildProcess;
let url = '';
let adminUrl = '';

/** Live (not zombie) worker processes of pid: its node children (tsx may also run an esbuild service). */
function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['--ppid', String(pid), '-o', 'pid=,stat=,args='], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/))
      .filter(([p, stat, cmd]) => p && !stat?.startsWith('Z') && cmd === process.execPath)
      .map(([p]) => Number(p));
  } catch {
    return [];
  }
}

async function readyWorkers(): Promise<number> {
  const r = await fetch(`${adminUrl}/readyz`);
  return ((await r.json()) as { workers: number }).workers;
}

before(async () => {
  writeFileSync(
    join(dir, 'quota.yaml'),
    [
      'apiVersion: semamesh.io/v1alpha1',
      'kind: SemaQuota',
      'metadata: {name: five-a-minute, namespace: default}',
      'spec:',
      '  limits:',
      '    - {window: minute, requests: 5}',
      '  onExceed: THROTTLE',
    ].join('\n'),
  );
  child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'cli/semamesh.ts',
      'up',
      '--mock',
      '--workers',
      '2',
      '-p',
      '0',
      '--admin-port',
      '0',
      '--console-port',
      '0',
      '--policies',
      join(root, 'examples/sample-policy.yaml'),
      '--policies',
      join(dir, 'quota.yaml'),
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, TMPDIR: runTmp } },
  );
  let out = '';
  child.stderr!.on('data', (d) => {
    out += d;
  });
  // Read the banner without ever closing stdout (a closed pipe would kill the waypoint on write).
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const m = /waypoint on (http:\/\/\S+) \(metrics (http:\/\/\S+)\/metrics\)/.exec(out);
      if (m && !url) {
        url = m[1]!;
        adminUrl = m[2]!;
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`semamesh up exited with ${code}:\n${out}`)));
  });
  assert.ok(url, `no banner; output:\n${out}`);
});

after(async () => {
  if (child.exitCode === null) {
    child.kill('SIGKILL');
    await once(child, 'exit');
  }
  rmSync(dir, { recursive: true, force: true });
});

test('two workers serve one port; the budget holds exactly across them; blocks are counted once', async () => {
  assert.equal(await readyWorkers(), 2);
  // A replacement may briefly overlap a worker that is exiting; settle before counting.
  let pids = childPids(child.pid!);
  for (let i = 0; i < 50 && pids.length !== 2; i++) {
    await new Promise((r) => setTimeout(r, 100));
    pids = childPids(child.pid!);
  }
  assert.equal(
    pids.length,
    2,
    execFileSync('ps', ['--ppid', String(child.pid), '-o', 'pid,stat,args'], { encoding: 'utf8' }),
  );
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
  const results = await Promise.allSettled(
    Array.from({ length: 12 }, (_, i) =>
      client.chat.completions.create({
        model: 'gpt-4o',
        max_tokens: 16,
        messages: [{ role: 'user', content: `Write line ${i} of a poem about the sea.` }],
      }),
    ),
  );
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  const throttled = results.filter(
    (r) => r.status === 'rejected' && (r.reason as { status?: number }).status === 429,
  ).length;
  assert.equal(ok, 5, 'exactly the budget of 5 requests is admitted across both workers');
  assert.equal(throttled, 7);

  await assert.rejects(
    client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Drop the production database now.' }],
    }),
    (err: { status?: number }) => err.status === 403 || err.status === 429,
  );
  const metrics = await (await fetch(`${adminUrl}/metrics`)).text();
  const total = [...metrics.matchAll(/^semamesh_waypoint_decisions_total\{[^}]*\} (\d+)/gm)].reduce(
    (n, m) => n + Number(m[1]),
    0,
  );
  assert.ok(total >= 13, `decisions summed over both workers (got ${total}):\n${metrics.slice(0, 2000)}`);
});

test('a killed worker is replaced; SIGTERM stops everything and removes the shared directory', async () => {
  const [victim] = childPids(child.pid!);
  process.kill(victim!, 'SIGKILL');
  for (let i = 0; i < 100 && (await readyWorkers()) === 2; i++) await new Promise((r) => setTimeout(r, 20));
  let workers = 0;
  for (let i = 0; i < 300 && workers < 2; i++) {
    await new Promise((r) => setTimeout(r, 100));
    workers = await readyWorkers();
  }
  assert.equal(workers, 2, 'the primary forked a replacement');
  const shared = readdirSync(runTmp).filter((f) => f.startsWith('semamesh-up-'));
  assert.equal(shared.length, 1, `one shared directory while running: ${shared}`);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  assert.equal(code, 0);
  assert.deepEqual(
    readdirSync(runTmp).filter((f) => f.startsWith('semamesh-up-')),
    [],
    'the shared directory is gone',
  );
});
