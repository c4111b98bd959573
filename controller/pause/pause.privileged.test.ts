// Pause on real cgroups (needs root and a cgroup2 mount; gdb for the snapshot): a counter process
// stops advancing when frozen, resumes on approve, and is gone with its cgroup after terminate.
// Also the v1 freezer when the host has that hierarchy, and a pod-shaped kubepods tree.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cgroupPids, findCgroupMounts, freeze, isFrozen, killCgroup, thaw } from './cgroup.js';
import type { CheckpointTarget } from './checkpoint.js';
import { approveIncident, IncidentStore, pauseLocalIncident, terminateIncident } from './incidents.js';
import { localSnapshot, type SnapshotRecord } from './local-snapshot.js';
import { nodeCgroups, PauseAgent } from './pause-agent.js';

const mounts = await findCgroupMounts();
const isRoot = process.getuid?.() === 0;
const v2Skip = !isRoot ? 'needs root' : !mounts.v2 ? 'no cgroup2 mount in /proc/mounts' : false;
const v1Skip = !isRoot ? 'needs root' : !mounts.freezerV1 ? 'no v1 freezer hierarchy on this host' : false;
if (v2Skip) console.log(`skipping cgroup v2 pause tests: ${v2Skip}`);
if (v1Skip) console.log(`skipping cgroup v1 freezer test: ${v1Skip}`);

let work: string;
const children: ChildProcess[] = [];
const cgroups: string[] = [];

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'sm-pause-'));
});
after(async () => {
  for (const c of children) c.kill('SIGKILL');
  for (const cg of cgroups.reverse()) await killCgroup(cg, { remove: true }).catch(() => {});
  await rm(work, { recursive: true, force: true });
});

function makeCgroup(parent: string, ...rel: string[]): string {
  const path = join(parent, ...rel);
  mkdirSync(path, { recursive: true });
  cgroups.push(join(parent, rel[0]));
  return path;
}

/** A shell loop writing an increasing counter; it joins the cgroup before it starts counting. */
function counter(cgroup: string, file: string): ChildProcess {
  const loop = `echo $$ > '${cgroup}/cgroup.procs'; i=0; while :; do i=$((i+1)); echo $i > '${file}.tmp'; mv '${file}.tmp' '${file}'; sleep 0.01; done`;
  const child = spawn('sh', ['-c', loop], { stdio: 'ignore' });
  children.push(child);
  return child;
}

const read = (file: string) => (existsSync(file) ? Number(readFileSync(file, 'utf8').trim() || 0) : 0);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function advances(file: string): Promise<void> {
  const start = read(file);
  while (read(file) <= start) await pause(5);
}

function hasClang(): boolean {
  try {
    execFileSync('clang', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((r) => child.once('exit', r));
}

test('v2: freeze stops the counter (frozen 1), approve resumes it, terminate removes process and cgroup', {
  skip: v2Skip,
}, async () => {
  const cg = makeCgroup(mounts.v2!, `semamesh-test-${process.pid}-a`);
  const file = join(work, 'a.count');
  const child = counter(cg, file);
  await advances(file);
  const agent = new PauseAgent(nodeCgroups(mounts.v2!));
  await freeze(cg);
  assert.match(readFileSync(join(cg, 'cgroup.events'), 'utf8'), /^frozen 1$/m);
  const frozenAt = read(file);
  await pause(200);
  assert.equal(read(file), frozenAt, 'the counter must not advance while frozen');
  await agent.approve([cg]);
  assert.match(readFileSync(join(cg, 'cgroup.events'), 'utf8'), /^frozen 0$/m);
  await advances(file);
  await freeze(cg);
  await agent.terminate([cg], { remove: true });
  await exited(child);
  assert.equal(existsSync(cg), false);
});

test('v2 local mode: pause with a gcore snapshot keeps the agent frozen throughout, then terminate', {
  skip: v2Skip,
}, async () => {
  const cg = makeCgroup(mounts.v2!, `semamesh-test-${process.pid}-b`);
  const file = join(work, 'b.count');
  const child = counter(cg, file);
  await advances(file);
  const store = new IncidentStore(join(work, 'incidents.json'));
  const agent = new PauseAgent(nodeCgroups(mounts.v2!));
  const before = read(file);
  const inc = await pauseLocalIncident(store, agent, {
    agent: { cgroup: cg, pid: child.pid },
    policy: 'default/no-db-deletes',
    rule: 'block-drop',
    reason: 'intent delete:database',
    action: 'PAUSE',
    snapshotDir: join(work, 'evidence'),
  });
  assert.equal(inc.phase, 'Paused', inc.error);
  assert.equal(await isFrozen(cg), true);
  const frozenAt = read(file);
  assert.ok(frozenAt >= before);
  // CRIU is tried first and fails here (kernel >= 6.13, or not installed); gcore makes the copy.
  assert.equal(inc.checkpoint?.method, 'gcore', JSON.stringify(inc.checkpoints));
  assert.ok(inc.checkpoint?.path);
  const snapshot = inc.checkpoints?.[0] as SnapshotRecord | undefined;
  const attempts = snapshot?.attempts ?? [];
  assert.equal(attempts[0]?.method, 'criu');
  assert.ok(attempts[0]?.error, 'the CRIU failure reason is recorded');
  console.log(`criu: ${attempts[0]?.error}`);
  await pause(200);
  assert.equal(read(file), frozenAt, 'the snapshot window must not let the agent run');
  const approved = await approveIncident(store, agent, inc.id);
  assert.equal(approved.phase, 'Approved');
  await advances(file);
  const done = await terminateIncident(store, agent, inc.id);
  assert.equal(done.phase, 'Terminated');
  await exited(child);
  assert.equal(existsSync(cg), false);
});

test('v2: approve and terminate succeed when the agent ends at once and its owner removes the cgroup', {
  skip: v2Skip,
}, async () => {
  // `semamesh exec` removes its cgroups the moment the command ends; a command that was only
  // waiting to be thawed ends within microseconds of the thaw, before approve reads cgroup.events
  // (and a terminated one before terminate has looked at what is left).
  const agent = new PauseAgent(nodeCgroups(mounts.v2!));
  for (let round = 0; round < 20; round++) {
    const cg = makeCgroup(mounts.v2!, `semamesh-test-${process.pid}-gone-${round}`);
    const child = spawn('sh', ['-c', `echo $$ > '${cg}/cgroup.procs'; echo in; read line`], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    children.push(child);
    await new Promise((r) => child.stdout?.once('data', r));
    await freeze(cg);
    child.stdin?.end('go\n');
    // The owner: removes the cgroup as soon as it is empty (rmdir fails with EBUSY until then),
    // unless terminate removed it first.
    const owner = spawn('sh', ['-c', `while [ -d '${cg}' ]; do rmdir '${cg}' 2>/dev/null; done`], {
      stdio: 'ignore',
    });
    children.push(owner);
    if (round % 2 === 0) await agent.approve([cg]);
    else await agent.terminate([cg], { remove: true });
    await exited(child);
    await exited(owner);
    assert.equal(existsSync(cg), false);
  }
});

test('v2 local mode: an agent paused inside vfork is copied, not hung on', {
  skip: v2Skip || (!hasClang() && 'clang is not installed (it builds the vfork test program)'),
}, async () => {
  // An agent that starts a tool (Node's spawn, posix_spawn, dash) vforks; paused between vfork and
  // exec, the parent waits in the kernel (state D) for its child, which is stopped too, so it never
  // stops for a tracer: gdb attached to it hangs until its timeout (both tries, 2 × 120 s in CI).
  const src = join(work, 'vfork.c');
  writeFileSync(
    src,
    [
      '#include <signal.h>',
      '#include <sys/wait.h>',
      '#include <unistd.h>',
      'int main(void) {',
      '  pid_t child = vfork();',
      '  if (child == 0) { kill(getpid(), SIGSTOP); execl("/bin/true", "true", (char *)0); _exit(1); }',
      '  waitpid(child, 0, 0);',
      '  return 0;',
      '}',
    ].join('\n'),
  );
  const bin = join(work, 'vfork');
  execFileSync('clang', ['-O1', '-o', bin, src]);
  const cg = makeCgroup(mounts.v2!, `semamesh-test-${process.pid}-vfork`);
  const parent = spawn('sh', ['-c', `echo $$ > '${cg}/cgroup.procs'; exec '${bin}'`], { stdio: 'ignore' });
  children.push(parent);
  // The child stops itself inside vfork: two processes in the cgroup, the child in T.
  for (;;) {
    const pids = readFileSync(join(cg, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
    const states = pids.map((p) => readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]?.[0]);
    if (pids.length === 2 && states.includes('T')) break;
    await pause(10);
  }
  await freeze(cg);
  const record = await localSnapshot({
    pids: await cgroupPids(cg),
    dir: join(work, 'vfork-evidence'),
    frozenCgroup: cg,
    methods: ['gcore'],
    timeoutMs: 30_000,
  });
  assert.equal(record.method, 'gcore', JSON.stringify(record));
  assert.equal(record.attempts.length, 1, 'no attempt timed out');
  assert.match(record.error ?? '', new RegExp(`pid ${parent.pid} D .*did not stop, not copied`));
  assert.equal(await isFrozen(cg), true, 'the agent is frozen again after the copy');
  await killCgroup(cg, { remove: true });
  await exited(parent);
});

test('v2 pod layout: the agent finds and freezes the container cgroups of a kubepods tree', {
  skip: v2Skip,
}, async () => {
  const uid = '0f3c2a1b-9d8e-4f7a-8b6c-5d4e3f2a1b0c';
  const root = makeCgroup(mounts.v2!, `semamesh-test-${process.pid}-c`);
  const id = 'd'.repeat(64);
  const scope = makeCgroup(
    root,
    'kubepods.slice',
    'kubepods-burstable.slice',
    `kubepods-burstable-pod${uid.replaceAll('-', '_')}.slice`,
    `cri-containerd-${id}.scope`,
  );
  const file = join(work, 'c.count');
  const child = counter(scope, file);
  await advances(file);
  const targets: CheckpointTarget[] = [];
  const agent = new PauseAgent(nodeCgroups(root), {
    checkpoint: async (t) => {
      targets.push(t);
      return { method: 'kubelet', path: '/var/lib/kubelet/checkpoints/x.tar', container: t.container };
    },
  });
  const ev = await agent.pausePod({
    incidentId: 'inc-pod',
    podUid: uid,
    namespace: 'ns',
    pod: 'agent',
    containers: ['main'],
  });
  assert.equal(ev.phase, 'Paused', ev.error);
  assert.deepEqual(ev.frozen, [scope]);
  assert.equal(await isFrozen(scope), true);
  assert.deepEqual(targets, [{ namespace: 'ns', pod: 'agent', container: 'main' }]);
  const frozenAt = read(file);
  await pause(200);
  assert.equal(read(file), frozenAt);
  await agent.approve(ev.frozen);
  await advances(file);
  await agent.terminate(ev.frozen);
  await exited(child);
});

test('v1 freezer: FROZEN stops the counter, THAWED resumes it, kill removes it', {
  skip: v1Skip,
}, async () => {
  const cg = makeCgroup(mounts.freezerV1!, `semamesh-test-${process.pid}-v1`);
  const file = join(work, 'v1.count');
  const child = counter(cg, file);
  await advances(file);
  assert.equal(await freeze(cg), 'v1');
  assert.equal(readFileSync(join(cg, 'freezer.state'), 'utf8').trim(), 'FROZEN');
  const frozenAt = read(file);
  await pause(200);
  assert.equal(read(file), frozenAt);
  assert.equal(await thaw(cg), 'v1');
  await advances(file);
  await freeze(cg);
  await killCgroup(cg, { remove: true });
  await exited(child);
  assert.equal(existsSync(cg), false);
});
