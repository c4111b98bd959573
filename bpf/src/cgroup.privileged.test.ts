// bpf/src/cgroup.ts's thaw on the real kernel when the cgroup's owner removes it: a thaw that lets
// the last process end is done even if the cgroup is gone before its state is read.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cgroup2Mount, freeze, thaw } from './cgroup.js';
import { privilegedSkip } from './test-env.js';

const skip = privilegedSkip('bpf cgroup removal tests');
const children: ChildProcess[] = [];
const made: string[] = [];

after(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const cg of made) {
    try {
      writeFileSync(join(cg, 'cgroup.freeze'), '0');
      rmdirSync(cg);
    } catch {}
  }
});

const exited = (c: ChildProcess) =>
  c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', r));

function cgroup(name: string): string {
  const cg = join(cgroup2Mount() ?? '', `semamesh-bpf-test-${process.pid}-${name}`);
  mkdirSync(cg);
  made.push(cg);
  return cg;
}

test('thaw is done when the thawed command ends and its owner removes the cgroup at once', {
  skip,
}, async () => {
  for (let round = 0; round < 10; round++) {
    const cg = cgroup(`gone-${round}`);
    const child = spawn('sh', ['-c', `echo $$ > '${cg}/cgroup.procs'; echo in; read line`], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    children.push(child);
    await new Promise((r) => child.stdout?.once('data', r));
    await freeze(cg);
    child.stdin?.end('go\n');
    // The owner (semamesh exec) removes the cgroup as soon as it is empty.
    const owner = spawn('sh', ['-c', `until rmdir '${cg}' 2>/dev/null; do :; done`], { stdio: 'ignore' });
    children.push(owner);
    await thaw(cg, { timeoutMs: 5000 });
    await exited(child);
    await exited(owner);
    assert.equal(existsSync(cg), false);
  }
});
