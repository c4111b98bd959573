// Local incident store and the incidents / approve / terminate operations, with fake cgroups: the
// phase machine, coded errors for unknown ids and illegal transitions, and no lost concurrent updates.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  approveIncident,
  IncidentStore,
  listIncidents,
  type NewIncident,
  pauseLocalIncident,
  terminateIncident,
} from './incidents.js';
import { type CgroupOps, PauseAgent, type Snapshotter } from './pause-agent.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sm-incidents-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function fakeAgent(log: string[]): PauseAgent {
  const frozen = new Set<string>();
  const cgroups: CgroupOps = {
    locate: async () => [],
    freeze: async (p) => {
      log.push(`freeze ${p}`);
      frozen.add(p);
    },
    thaw: async (p) => {
      log.push(`thaw ${p}`);
      frozen.delete(p);
    },
    isFrozen: async (p) => frozen.has(p),
    kill: async (p, remove) => {
      log.push(`kill ${p} ${remove}`);
    },
  };
  const snapshotter: Snapshotter = {
    snapshot: async (o) => {
      log.push(`snapshot ${o.frozenCgroup} -> ${o.dir}`);
      return {
        method: 'gcore',
        path: `${o.dir}/core.42`,
        attempts: [{ method: 'criu', error: 'criu dump failed: vdso' }, { method: 'gcore' }],
      };
    },
  };
  return new PauseAgent(cgroups, undefined, snapshotter);
}

const spec = (id: string): NewIncident & { snapshotDir: string } => ({
  id,
  agent: { cgroup: `/sys/fs/cgroup/semamesh/${id}`, pid: 42, command: 'python agent.py' },
  policy: 'default/no-db-deletes',
  rule: 'block-drop',
  reason: 'intent delete:database',
  action: 'PAUSE',
  snapshotDir: join(dir, 'evidence', id),
});

test('pause → incidents lists it as Paused with its evidence → approve thaws', async () => {
  const log: string[] = [];
  const store = new IncidentStore(join(dir, 'a', 'incidents.json'));
  const agent = fakeAgent(log);
  const inc = await pauseLocalIncident(store, agent, spec('inc-a'));
  assert.equal(inc.phase, 'Paused');
  assert.deepEqual(inc.cgroups, ['/sys/fs/cgroup/semamesh/inc-a']);
  assert.deepEqual(inc.checkpoint, { method: 'gcore', path: join(dir, 'evidence', 'inc-a', 'core.42') });
  assert.deepEqual(
    (await listIncidents(store, 'Paused')).map((i) => i.id),
    ['inc-a'],
  );
  const approved = await approveIncident(store, agent, 'inc-a', 'alice');
  assert.equal(approved.phase, 'Approved');
  assert.equal(approved.decidedBy, 'alice');
  assert.ok(approved.decidedAt);
  assert.deepEqual(log, [
    'freeze /sys/fs/cgroup/semamesh/inc-a',
    `snapshot /sys/fs/cgroup/semamesh/inc-a -> ${join(dir, 'evidence', 'inc-a')}`,
    'thaw /sys/fs/cgroup/semamesh/inc-a',
  ]);
  await assert.rejects(approveIncident(store, agent, 'inc-a'), { code: 'SM_ERR_CONTROLLER_INCIDENT_STATE' });
  // Terminating an approved agent is still allowed (a human may change their mind).
  assert.equal((await terminateIncident(store, agent, 'inc-a')).phase, 'Terminated');
});

test('terminate kills and removes the cgroup; a terminated incident takes no further decision', async () => {
  const log: string[] = [];
  const store = new IncidentStore(join(dir, 'b', 'incidents.json'));
  const agent = fakeAgent(log);
  await pauseLocalIncident(store, agent, spec('inc-b'));
  const done = await terminateIncident(store, agent, 'inc-b', 'bob');
  assert.equal(done.phase, 'Terminated');
  assert.equal(done.checkpoint?.method, 'gcore', 'the evidence is kept');
  assert.equal(log.at(-1), 'kill /sys/fs/cgroup/semamesh/inc-b true');
  await assert.rejects(terminateIncident(store, agent, 'inc-b'), {
    code: 'SM_ERR_CONTROLLER_INCIDENT_STATE',
  });
  await assert.rejects(approveIncident(store, agent, 'inc-b'), { code: 'SM_ERR_CONTROLLER_INCIDENT_STATE' });
  await assert.rejects(approveIncident(store, agent, 'nope'), {
    code: 'SM_ERR_CONTROLLER_INCIDENT_NOT_FOUND',
  });
  await assert.rejects(store.create(spec('inc-b')), { code: 'SM_ERR_CONTROLLER_INCIDENT_STATE' });
});

test('listing sorts newest first; an empty store lists nothing; generated ids are unique', async () => {
  const store = new IncidentStore(join(dir, 'c', 'incidents.json'));
  assert.deepEqual(await listIncidents(store), []);
  const base = { ...spec('x'), id: undefined };
  const a = await store.create({ ...base, detectedAt: '2026-01-01T00:00:00Z' });
  const b = await store.create({ ...base, detectedAt: '2026-02-01T00:00:00Z' });
  assert.notEqual(a.id, b.id);
  assert.match(a.id, /^inc-\d{14}-[0-9a-f]{6}$/);
  assert.deepEqual(
    (await listIncidents(store)).map((i) => i.id),
    [b.id, a.id],
  );
});

test('concurrent updates are serialized by the lock: none is lost', async () => {
  const store = new IncidentStore(join(dir, 'd', 'incidents.json'));
  await Promise.all(Array.from({ length: 20 }, (_, i) => store.create({ ...spec(`inc-${i}`) })));
  assert.equal((await store.list()).length, 20);
});

test('a corrupt store file is a coded error, not a crash', async () => {
  const file = join(dir, 'corrupt.json');
  await writeFile(file, '{"version": 1, "incidents": ');
  await assert.rejects(new IncidentStore(file).list(), { code: 'SM_ERR_CONTROLLER_INCIDENT_STORE' });
  await writeFile(file, '{"version": 2, "incidents": []}');
  await assert.rejects(new IncidentStore(file).get('x'), { code: 'SM_ERR_CONTROLLER_INCIDENT_STORE' });
});
