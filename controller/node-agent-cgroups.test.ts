// --cgroup-root on this machine's layout (whatever it is: hybrid here, pure v2 on most nodes): the
// v1 tmpfs of a hybrid host resolves to its unified/ mount, a cgroup2 mount or a directory inside
// one is kept, anything else is refused for the redirect. And the real startNodeAgent uses the
// resolved root (its start log says which).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { K8sClient } from '../kube/index.js';
import { startKubeApiServer } from '../test/kube-api-server/index.js';
import { startNodeAgent } from './node-agent.js';
import { cgroup2Root, resolveCgroupRoot } from './node-agent-cgroups.js';
import { findCgroupMounts } from './pause/index.js';

const v2 = (await findCgroupMounts()).v2;
const skip = v2 ? false : 'no cgroup2 mount in /proc/mounts';
if (skip) console.log(`# node agent cgroup root test skipped: ${skip}`);
const hybrid = v2?.endsWith('/unified') ?? false;
console.log(`# cgroup2 mount: ${v2} (${hybrid ? 'hybrid layout' : 'pure v2'})`);

test('the v2 hierarchy is found from the mount the DaemonSet hands in', { skip }, async () => {
  const mount = v2 as string;
  assert.deepEqual(await resolveCgroupRoot(mount), { root: mount, kind: 'cgroup2' });
  if (hybrid)
    assert.deepEqual(await resolveCgroupRoot(dirname(mount)), { root: mount, kind: 'hybrid-unified' });
  const child = readdirSync(mount, { withFileTypes: true }).find((d) => d.isDirectory());
  if (child) assert.equal((await resolveCgroupRoot(join(mount, child.name))).kind, 'cgroup2');
  assert.equal(await cgroup2Root(hybrid ? dirname(mount) : mount), mount);

  const plain = mkdtempSync(join(tmpdir(), 'sm-cgroot-'));
  try {
    assert.deepEqual(await resolveCgroupRoot(plain), { root: plain, kind: 'other' });
    await assert.rejects(cgroup2Root(plain), { code: 'SM_ERR_CONTROLLER_CONFIG' });
    assert.equal((await resolveCgroupRoot(join(plain, 'missing'))).kind, 'other');
  } finally {
    rmSync(plain, { recursive: true });
  }
});

test('startNodeAgent with --cgroup-root of the host mount works in the v2 hierarchy', { skip }, async () => {
  const api = await startKubeApiServer({ namespaces: ['agents'] });
  const given = hybrid ? dirname(v2 as string) : (v2 as string);
  const logged: Record<string, unknown>[] = [];
  const agent = await startNodeAgent(
    { nodeName: `n-${process.pid}`, cgroupRoot: given, healthHost: '127.0.0.1', healthPort: 0 },
    {
      client: new K8sClient(api.kubeconfig),
      log: (_l, msg, f) => msg === 'node agent started' && logged.push(f ?? {}),
    },
  );
  try {
    assert.equal(logged[0]?.cgroupRoot, v2);
  } finally {
    await agent.close();
    await api.close();
  }
});
