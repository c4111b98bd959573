// The default number of event loops reads the container's limits: cgroup v2 and v1 CPU quotas and
// memory limits of a cgroup and its ancestors, from fake /proc and cgroup files.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cgroupCpuLimit, cgroupMemoryLimit } from './workers.js';

const dir = mkdtempSync(join(tmpdir(), 'workers-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function fake(name: string, cgroup: string, mountinfo: string, files: Record<string, string>) {
  const root = join(dir, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  writeFileSync(join(root, 'cgroup'), cgroup);
  writeFileSync(join(root, 'mountinfo'), mountinfo.replaceAll('ROOT', root));
  return [join(root, 'cgroup'), join(root, 'mountinfo')] as const;
}

test('cgroup v2: the tightest limit of the cgroup and its ancestors', () => {
  const files = fake('v2', '0::/pod/app\n', '30 20 0:26 / ROOT/fs rw - cgroup2 cgroup2 rw\n', {
    'fs/pod/cpu.max': '150000 100000\n',
    'fs/pod/app/cpu.max': 'max 100000\n',
    'fs/pod/memory.max': `${1024 ** 3}\n`,
    'fs/pod/app/memory.max': 'max\n',
  });
  assert.equal(cgroupCpuLimit(...files), 1.5);
  assert.equal(cgroupMemoryLimit(...files), 1024 ** 3);
});

test('cgroup v1: cfs quota and memory.limit_in_bytes, "unlimited" ignored', () => {
  const files = fake(
    'v1',
    '5:cpu,cpuacct:/kube/pod\n4:memory:/kube/pod\n',
    '31 20 0:27 / ROOT/cpu rw - cgroup cgroup rw,cpu,cpuacct\n32 20 0:28 / ROOT/mem rw - cgroup cgroup rw,memory\n',
    {
      'cpu/kube/pod/cpu.cfs_quota_us': '200000\n',
      'cpu/kube/pod/cpu.cfs_period_us': '100000\n',
      'mem/kube/memory.limit_in_bytes': '9223372036854771712\n',
      'mem/kube/pod/memory.limit_in_bytes': `${512 * 1024 ** 2}\n`,
    },
  );
  assert.equal(cgroupCpuLimit(...files), 2);
  assert.equal(cgroupMemoryLimit(...files), 512 * 1024 ** 2);
});

test('no limits, or nothing readable: undefined', () => {
  const files = fake('none', '0::/\n', '30 20 0:26 / ROOT/fs rw - cgroup2 cgroup2 rw\n', {
    'fs/cpu.max': 'max 100000\n',
    'fs/memory.max': 'max\n',
  });
  assert.equal(cgroupCpuLimit(...files), undefined);
  assert.equal(cgroupMemoryLimit(...files), undefined);
  assert.equal(cgroupMemoryLimit(join(dir, 'missing'), join(dir, 'missing')), undefined);
});
