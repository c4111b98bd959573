// Local mode's `semamesh incidents | approve | terminate` as a user runs them (the real CLI in a
// subprocess), as root over a real frozen cgroup holding a live process recorded in the store.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { findCgroupMounts, freeze, IncidentStore, removeCgroup } from '../../controller/pause/index.js';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'sm-local-inc-'));
const storeFile = join(work, 'incidents.json');
const cgroups: string[] = [];
const children: ChildProcess[] = [];

after(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const cg of cgroups) {
    try {
      writeFileSync(join(cg, 'cgroup.freeze'), '0');
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
    await removeCgroup(cg).catch(() => undefined);
  }
  rmSync(work, { recursive: true, force: true });
});

async function semamesh(...args: string[]) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'cli/semamesh.ts', ...args, '--store', storeFile],
      {
        cwd: root,
        env: { ...process.env, SUDO_USER: 'alice' },
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A frozen cgroup with a live process, recorded as a Paused incident. */
async function pausedAgent(name: string) {
  const v2 = (await findCgroupMounts()).v2;
  assert.ok(v2, 'needs a cgroup2 mount');
  const cg = join(v2, `sm-local-${process.pid}-${name}`);
  mkdirSync(cg);
  cgroups.push(cg);
  const child = spawn('sh', ['-c', 'while :; do sleep 0.05; done'], { stdio: 'ignore' });
  children.push(child);
  writeFileSync(join(cg, 'cgroup.procs'), String(child.pid));
  await freeze(cg);
  const store = new IncidentStore(storeFile);
  const inc = await store.create({
    agent: { cgroup: cg, pid: child.pid, command: 'python agent.py' },
    policy: 'local/no-db',
    rule: 'no-db-deletes',
    reason: 'delete:database',
    action: 'PAUSE',
  });
  await store.update(inc.id, (i) => {
    i.phase = 'Paused';
    i.cgroups = [cg];
    i.checkpoint = { method: 'gcore', path: join(work, `${name}.core`) };
  });
  return { id: inc.id, cg, child };
}

const frozen = (cg: string) => /^frozen 1$/m.test(readFileSync(join(cg, 'cgroup.events'), 'utf8'));

test('semamesh incidents lists, approve thaws, terminate kills; decidedBy is the invoking user', async () => {
  const a = await pausedAgent('a');
  const b = await pausedAgent('b');
  const listed = await semamesh('incidents');
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^ID\s+AGE\s+AGENT\s+RULE\s+STATE\s+CHECKPOINT$/m);
  assert.match(
    listed.stdout,
    new RegExp(
      `^${a.id}\\s+\\d+s\\s+python agent\\.py\\[${a.child.pid}\\]\\s+local/no-db/no-db-deletes\\s+Paused\\s+\\S+a\\.core$`,
      'm',
    ),
  );

  assert.equal(frozen(a.cg), true);
  const ok = await semamesh('approve', a.id);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, new RegExp(`incident ${a.id} approved by alice`));
  assert.equal(frozen(a.cg), false);
  assert.equal(a.child.exitCode, null);

  const exited = new Promise<string | null>((r) => b.child.once('exit', (_c, sig) => r(sig)));
  const t = await semamesh('terminate', b.id, '-o', 'json');
  assert.equal(t.code, 0, t.stderr);
  assert.equal(JSON.parse(t.stdout).phase, 'Terminated');
  assert.equal(await exited, 'SIGKILL');

  const paused = await semamesh('incidents', '--state', 'paused', '-o', 'json');
  assert.deepEqual(JSON.parse(paused.stdout), []);
  const again = await semamesh('approve', a.id);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /it is Approved \[SM_ERR_CONTROLLER_INCIDENT_STATE\]/);
  const missing = await semamesh('terminate', 'inc-nope');
  assert.match(missing.stderr, /no incident "inc-nope" \[SM_ERR_CONTROLLER_INCIDENT_NOT_FOUND\]/);
});
