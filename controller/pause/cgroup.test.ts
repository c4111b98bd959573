// cgroup discovery and the freeze protocol on fake trees: mounts from /proc/mounts text, pod
// container cgroups for both kubelet drivers and every QoS class, and freeze/thaw against a fake
// kernel that answers through cgroup.events.
import assert from 'node:assert/strict';
import { watch } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { findPodCgroup, freeze, isFrozen, parseCgroupMounts, podCgroupPaths, thaw } from './cgroup.js';

let root: string;
const UID = '8c1f5d3e-2b7a-4c9e-9f10-0a1b2c3d4e5f';
const UID_ = UID.replaceAll('-', '_');
const C1 = 'a'.repeat(64);
const C2 = 'b'.repeat(64);
const SANDBOX = 'c'.repeat(64);

async function dirs(base: string, ...paths: string[]) {
  for (const p of paths) await mkdir(join(base, p), { recursive: true });
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'sm-cgroup-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

test('cgroup mounts come from /proc/mounts: hybrid layout and a plain cgroup2 node', () => {
  const hybrid = [
    'tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0',
    'cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0',
    'cgroup /sys/fs/cgroup/freezer cgroup rw,relatime,freezer 0 0',
    'cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0',
  ].join('\n');
  assert.deepEqual(parseCgroupMounts(hybrid), {
    v2: '/sys/fs/cgroup/unified',
    freezerV1: '/sys/fs/cgroup/freezer',
  });
  assert.deepEqual(parseCgroupMounts('cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev 0 0\n'), {
    v2: '/sys/fs/cgroup',
  });
  assert.deepEqual(parseCgroupMounts('cgroup2 /mnt/with\\040space cgroup2 rw 0 0'), {
    v2: '/mnt/with space',
  });
  assert.deepEqual(parseCgroupMounts('proc /proc proc rw 0 0\n'), {});
});

test('cgroupfs driver: kubepods/<qos>/pod<uid>/<container-id> for every QoS class', async () => {
  const layouts = {
    Guaranteed: `kubepods/pod${UID}`,
    Burstable: `kubepods/burstable/pod${UID}`,
    BestEffort: `kubepods/besteffort/pod${UID}`,
  } as const;
  for (const [qos, podDir] of Object.entries(layouts)) {
    const base = join(root, `cgroupfs-${qos}`);
    await dirs(
      base,
      `${podDir}/${C1}`,
      `${podDir}/${SANDBOX}`,
      'kubepods/burstable/podother/x',
      'system.slice/y',
    );
    const pod = await findPodCgroup(UID, { root: base });
    assert.equal(pod?.driver, 'cgroupfs');
    assert.equal(pod?.qosClass, qos);
    assert.deepEqual(
      pod?.containers.map((c) => c.path),
      [join(base, podDir, C1), join(base, podDir, SANDBOX)],
    );
  }
});

test('systemd driver: kubepods.slice/…/kubepods-<qos>-pod<uid_>.slice/cri-containerd-<id>.scope', async () => {
  const layouts = {
    Guaranteed: `kubepods.slice/kubepods-pod${UID_}.slice`,
    Burstable: `kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice`,
    BestEffort: `kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice`,
  } as const;
  for (const [qos, podDir] of Object.entries(layouts)) {
    const base = join(root, `systemd-${qos}`);
    await dirs(
      base,
      `${podDir}/cri-containerd-${C1}.scope`,
      `${podDir}/crio-${C2}.scope`,
      `${podDir}/crio-conmon-${C2}.scope`,
    );
    const pod = await findPodCgroup(UID, { root: base });
    assert.equal(pod?.driver, 'systemd');
    assert.equal(pod?.qosClass, qos);
    assert.deepEqual(
      pod?.containers.map((c) => c.id),
      [C1, C2],
    );
  }
});

test("nested roots (kind's kubelet.slice) are found; qosClass and containerIds narrow the result", async () => {
  const base = join(root, 'kind');
  const podDir = `kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod${UID_}.slice`;
  await dirs(base, `${podDir}/cri-containerd-${C1}.scope`, `${podDir}/cri-containerd-${C2}.scope`);
  const all = await podCgroupPaths(UID, { root: base });
  assert.equal(all.length, 2);
  const one = await podCgroupPaths(UID, { root: base, containerIds: [`containerd://${C2}`] });
  assert.deepEqual(
    one.map((c) => c.path),
    [join(base, podDir, `cri-containerd-${C2}.scope`)],
  );
  assert.equal(await findPodCgroup(UID, { root: base, qosClass: 'Burstable' }), undefined);
  await assert.rejects(podCgroupPaths(UID, { root: base, qosClass: 'Burstable' }), {
    code: 'SM_ERR_PAUSE_CGROUP_NOT_FOUND',
  });
  await assert.rejects(podCgroupPaths(UID, { root: base, containerIds: ['deadbeef'] }), {
    code: 'SM_ERR_PAUSE_CGROUP_NOT_FOUND',
  });
  await assert.rejects(podCgroupPaths('../../etc', { root: base }), { code: 'SM_ERR_PAUSE_REQUEST_INVALID' });
});

/** A fake v2 kernel: mirrors writes to cgroup.freeze into cgroup.events a little later. */
async function fakeV2(dir: string, respond: boolean) {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'cgroup.freeze'), '0');
  await writeFile(join(dir, 'cgroup.events'), 'populated 1\nfrozen 0\n');
  if (!respond) return () => {};
  // One write of cgroup.freeze may raise several watch events (truncate, then data); answer only
  // after the last one, one answer at a time, so a slow early answer never overwrites a later one.
  let timer: NodeJS.Timeout | undefined;
  let answering = Promise.resolve();
  const w = watch(join(dir, 'cgroup.freeze'), () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      answering = answering.then(async () => {
        const v = (await readFile(join(dir, 'cgroup.freeze'), 'utf8')).trim();
        if (v === '0' || v === '1') await writeFile(join(dir, 'cgroup.events'), `populated 1\nfrozen ${v}\n`);
      });
    }, 20);
  });
  return () => {
    clearTimeout(timer);
    w.close();
  };
}

test('v2 freeze waits for cgroup.events to say frozen 1; thaw for frozen 0', async () => {
  const dir = join(root, 'fake-v2');
  const stop = await fakeV2(dir, true);
  try {
    assert.equal(await freeze(dir, { timeoutMs: 5000 }), 'v2');
    assert.equal(await isFrozen(dir), true);
    assert.equal(await thaw(dir, { timeoutMs: 5000 }), 'v2');
    assert.equal(await isFrozen(dir), false);
  } finally {
    stop();
  }
});

test('a cgroup that never reports frozen times out and is thawed again', async () => {
  const dir = join(root, 'stuck-v2');
  await fakeV2(dir, false);
  await assert.rejects(freeze(dir, { timeoutMs: 100 }), { code: 'SM_ERR_PAUSE_FREEZE_TIMEOUT' });
  assert.equal((await readFile(join(dir, 'cgroup.freeze'), 'utf8')).trim(), '0');
});

test('v1 freezer.state FROZEN/THAWED; non-cgroup directories are refused', async () => {
  const dir = join(root, 'fake-v1');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'freezer.state'), 'THAWED\n');
  assert.equal(await freeze(dir), 'v1');
  assert.equal((await readFile(join(dir, 'freezer.state'), 'utf8')).trim(), 'FROZEN');
  assert.equal(await thaw(dir), 'v1');
  assert.equal(await isFrozen(dir, 'v1'), false);
  await assert.rejects(freeze(root), { code: 'SM_ERR_PAUSE_CGROUP_NOT_FOUND' });
  await assert.rejects(freeze(join(root, 'missing')), { code: 'SM_ERR_PAUSE_CGROUP_NOT_FOUND' });
});

test('a cgroup removed under a freeze is an error that says so; under a thaw it counts as thawed', async () => {
  // What the kernel shows once the owner removed the cgroup after our write: no cgroup.events.
  const dir = join(root, 'removed-v2');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'cgroup.freeze'), '0');
  await assert.rejects(freeze(dir, { timeoutMs: 1000 }), { code: 'SM_ERR_PAUSE_CGROUP_GONE' });
  assert.equal(await thaw(dir, { timeoutMs: 1000 }), 'v2');
});
