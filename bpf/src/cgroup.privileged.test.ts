// Removing a cgroup whose last task is still exiting: cgroup.procs no longer lists the task, but
// the kernel keeps the cgroup populated until the task is released, and rmdir answers EBUSY.
// removeCgroup waits for it (bounded) instead of failing the caller's cleanup.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { cgroupPath, createCgroup, removeCgroup } from './cgroup.js';
import { privilegedSkip } from './test-env.js';

const skip = privilegedSkip('bpf cgroup tests');

test('removeCgroup waits for a task that leaves the cgroup shortly after', { skip }, () => {
  const cg = createCgroup(`semamesh-rm-${process.pid}`);
  const path = cgroupPath(cg);
  // An orphaned sleeper (its shell exits at once; init reaps it) joins the cgroup for 300 ms.
  const r = spawnSync('/bin/sh', [
    '-c',
    '/bin/sh -c \'echo $$ > "$0/cgroup.procs" && exec sleep 0.3\' "$0" </dev/null >/dev/null 2>&1 &',
    path,
  ]);
  assert.equal(r.status, 0, String(r.stderr));
  const deadline = Date.now() + 2_000;
  while (readFileSync(join(path, 'cgroup.procs'), 'utf8').trim() === '' && Date.now() < deadline) {}
  assert.notEqual(readFileSync(join(path, 'cgroup.procs'), 'utf8').trim(), '', 'the sleeper joined');
  removeCgroup(cg, { evacuate: false });
  assert.equal(existsSync(path), false);
});

test('removeCgroup still fails, with a coded error, on a cgroup that stays busy', { skip }, () => {
  const parent = createCgroup(`semamesh-rm-busy-${process.pid}`);
  const child = createCgroup(`semamesh-rm-busy-${process.pid}/child`);
  try {
    assert.throws(() => removeCgroup(parent), { code: 'SM_ERR_BPF_CGROUP' });
  } finally {
    removeCgroup(child);
    removeCgroup(parent);
  }
});
