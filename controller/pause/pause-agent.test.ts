// The pause agent's sequencing with fake cgroups and a fake kubelet: everything freezes before any
// checkpoint, outcomes are recorded per container and summarized for the incident, partial
// failures fail closed, approve thaws and terminate kills.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pauseError } from '../errors.js';
import type { ContainerCgroup } from './cgroup.js';
import type { CheckpointRecord, CheckpointTarget } from './checkpoint.js';
import {
  type CgroupOps,
  type Checkpointer,
  PauseAgent,
  type PodPauseRequest,
  summarizeCheckpoints,
} from './pause-agent.js';

class FakeCgroups implements CgroupOps {
  readonly log: string[] = [];
  readonly frozen = new Set<string>();
  failFreeze = new Set<string>();
  constructor(private readonly containers: ContainerCgroup[] | Error) {}
  async locate(): Promise<ContainerCgroup[]> {
    if (this.containers instanceof Error) throw this.containers;
    return this.containers;
  }
  async freeze(path: string) {
    this.log.push(`freeze ${path}`);
    if (this.failFreeze.has(path)) throw pauseError('SM_ERR_PAUSE_FREEZE_TIMEOUT', `${path} did not freeze`);
    this.frozen.add(path);
  }
  async thaw(path: string) {
    this.log.push(`thaw ${path}`);
    this.frozen.delete(path);
  }
  async isFrozen(path: string) {
    return this.frozen.has(path);
  }
  async kill(path: string, remove: boolean) {
    this.log.push(`kill ${path}${remove ? ' remove' : ''}`);
    this.frozen.delete(path);
  }
}

class FakeKubelet implements Checkpointer {
  constructor(
    private readonly log: string[],
    private readonly answers: Record<string, CheckpointRecord | Error>,
    private readonly onCheckpoint?: () => void,
  ) {}
  async checkpoint(t: CheckpointTarget): Promise<CheckpointRecord> {
    this.log.push(`checkpoint ${t.namespace}/${t.pod}/${t.container}`);
    this.onCheckpoint?.();
    const a = this.answers[t.container];
    if (a instanceof Error) throw a;
    return a;
  }
}

const containers: ContainerCgroup[] = [
  { id: 'a1', path: '/cg/pod/a1' },
  { id: 'b2', path: '/cg/pod/b2' },
];
const req: PodPauseRequest = {
  incidentId: 'inc-1',
  podUid: 'uid-1',
  namespace: 'team-a',
  pod: 'agent-0',
  containers: ['main', 'sidecar'],
};
const ok = (container: string): CheckpointRecord => ({
  method: 'kubelet',
  path: `/var/lib/kubelet/checkpoints/checkpoint-agent-0_team-a-${container}-t.tar`,
  container,
});

test('pausePod freezes every container cgroup before checkpointing each container', async () => {
  const cg = new FakeCgroups(containers);
  const agent = new PauseAgent(cg, new FakeKubelet(cg.log, { main: ok('main'), sidecar: ok('sidecar') }));
  const ev = await agent.pausePod(req);
  assert.equal(ev.phase, 'Paused');
  assert.deepEqual(ev.frozen, ['/cg/pod/a1', '/cg/pod/b2']);
  assert.deepEqual(cg.log.slice(0, 4), [
    'freeze /cg/pod/a1',
    'freeze /cg/pod/b2',
    'checkpoint team-a/agent-0/main',
    'checkpoint team-a/agent-0/sidecar',
  ]);
  assert.equal(ev.checkpoints.length, 2);
  assert.deepEqual(ev.checkpoint, {
    method: 'kubelet',
    path: `${ok('main').path}, ${ok('sidecar').path}`,
  });
  await agent.approve(ev.frozen);
  assert.equal(cg.frozen.size, 0);
});

test('a runtime that unfreezes during its checkpoint is frozen again', async () => {
  const cg = new FakeCgroups(containers);
  const kubelet = new FakeKubelet(cg.log, { main: ok('main'), sidecar: ok('sidecar') }, () =>
    cg.frozen.clear(),
  );
  const ev = await new PauseAgent(cg, kubelet).pausePod(req);
  assert.equal(ev.phase, 'Paused');
  assert.deepEqual([...cg.frozen].sort(), ['/cg/pod/a1', '/cg/pod/b2']);
});

test('checkpoint failures are recorded per container; the pause itself holds', async () => {
  const cg = new FakeCgroups(containers);
  const gate = {
    method: 'kubelet' as const,
    error: 'kubelet answered 404: ContainerCheckpoint feature gate off',
    container: 'sidecar',
  };
  const kubelet = new FakeKubelet(cg.log, { main: new Error('socket hang up'), sidecar: gate });
  const ev = await new PauseAgent(cg, kubelet).pausePod(req);
  assert.equal(ev.phase, 'Paused');
  assert.equal(ev.checkpoint.method, 'kubelet');
  assert.equal(ev.checkpoint.path, undefined);
  assert.equal(
    ev.checkpoint.error,
    'main: socket hang up; sidecar: kubelet answered 404: ContainerCheckpoint feature gate off',
  );
  const noClient = await new PauseAgent(new FakeCgroups(containers)).pausePod(req);
  assert.equal(noClient.checkpoint.method, 'none');
});

test('a container that will not freeze fails the pause but keeps the others frozen', async () => {
  const cg = new FakeCgroups(containers);
  cg.failFreeze.add('/cg/pod/b2');
  const ev = await new PauseAgent(
    cg,
    new FakeKubelet(cg.log, { main: ok('main'), sidecar: ok('sidecar') }),
  ).pausePod(req);
  assert.equal(ev.phase, 'Failed');
  assert.deepEqual(ev.frozen, ['/cg/pod/a1']);
  assert.match(ev.error ?? '', /^SM_ERR_PAUSE_FREEZE_TIMEOUT: \/cg\/pod\/b2 did not freeze/);
  assert.ok(cg.frozen.has('/cg/pod/a1'));
});

test('a pod whose cgroups cannot be found fails with the locator error', async () => {
  const cg = new FakeCgroups(pauseError('SM_ERR_PAUSE_CGROUP_NOT_FOUND', 'no cgroup for pod uid-1'));
  const ev = await new PauseAgent(cg).pausePod(req);
  assert.equal(ev.phase, 'Failed');
  assert.deepEqual(ev.frozen, []);
  assert.deepEqual(ev.checkpoint, { method: 'none', error: 'no cgroup for pod uid-1' });
});

test('a pod cgroup without container cgroups fails instead of reporting an empty pause', async () => {
  const ev = await new PauseAgent(new FakeCgroups([])).pausePod(req);
  assert.equal(ev.phase, 'Failed');
  assert.match(ev.error ?? '', /^SM_ERR_PAUSE_CGROUP_NOT_FOUND/);
});

test('local mode: a snapshot that breaks the pause is reported as Failed', async () => {
  const cg = new FakeCgroups(containers);
  const agent = new PauseAgent(cg, undefined, {
    snapshot: async (o) => {
      cg.frozen.delete(o.frozenCgroup);
      throw pauseError('SM_ERR_PAUSE_FREEZE_TIMEOUT', 'could not re-freeze');
    },
  });
  const ev = await agent.pauseLocal({ incidentId: 'inc-l', cgroup: '/cg/local', snapshotDir: '/tmp/x' });
  assert.equal(ev.phase, 'Failed');
  assert.deepEqual(ev.frozen, []);
  assert.match(ev.error ?? '', /could not re-freeze/);
});

test('invalid requests are refused with a coded error', async () => {
  const agent = new PauseAgent(new FakeCgroups(containers));
  await assert.rejects(agent.pausePod({ ...req, incidentId: '../x' }), {
    code: 'SM_ERR_PAUSE_REQUEST_INVALID',
  });
  await assert.rejects(agent.pausePod({ ...req, containers: [] }), { code: 'SM_ERR_PAUSE_REQUEST_INVALID' });
  await assert.rejects(agent.pausePod({ ...req, podUid: '' }), { code: 'SM_ERR_PAUSE_REQUEST_INVALID' });
});

test('terminate kills through the cgroup ops (remove only when asked)', async () => {
  const cg = new FakeCgroups(containers);
  const agent = new PauseAgent(cg);
  await agent.terminate(['/cg/pod/a1']);
  await agent.terminate(['/local/agent'], { remove: true });
  assert.deepEqual(cg.log, ['kill /cg/pod/a1', 'kill /local/agent remove']);
});

test('summarizeCheckpoints folds records into one status.checkpoint', () => {
  assert.deepEqual(summarizeCheckpoints([]), { method: 'none', error: 'no checkpoint was attempted' });
  assert.deepEqual(summarizeCheckpoints([{ method: 'gcore', path: '/x/core.1' }]), {
    method: 'gcore',
    path: '/x/core.1',
  });
  assert.deepEqual(
    summarizeCheckpoints([
      { method: 'kubelet', error: 'boom', container: 'a' },
      { method: 'kubelet', path: '/p', container: 'b' },
    ]),
    { method: 'kubelet', path: '/p', error: 'a: boom' },
  );
});
