// Local snapshots: CRIU's failure reason is detected and recorded, gcore is the fallback (a real gdb
// gcore of a child process included), and `none` is reported with both reasons.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { criuReason, localSnapshot } from './local-snapshot.js';

let dir: string;
let child: ChildProcess;

/** What CRIU 3.17.1 prints on kernels >= 6.13 (checked on this machine's 6.18 kernel). */
const CRIU_LOG = [
  '(00.003) Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds',
  '(00.003) Error (criu/vdso.c:613): vdso: Failed to fill self vdso symtable',
  '(00.003) Error (criu/kerndat.c:1615): kerndat_vdso_fill_symtable failed when initializing kerndat.',
].join('\n');

async function script(name: string, body: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

/** Whether a process is gone (or a zombie awaiting its reaper) within 2 s. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (stat === '' || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sm-snapshot-'));
  child = spawn('sleep', ['600'], { stdio: 'ignore' });
});
after(async () => {
  child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

test('criuReason takes the first CRIU error and explains the vDSO failure', () => {
  assert.equal(
    criuReason(CRIU_LOG),
    'vdso: Unexpected rt vDSO area bounds (CRIU older than 4.1 cannot dump on kernels 6.13 and later)',
  );
  assert.equal(criuReason('(00.1) Error (criu/cr-dump.c:1): Dumping FAILED.'), 'Dumping FAILED.');
  assert.equal(criuReason('all good'), undefined);
});

test('a failing CRIU is recorded and gcore is used instead', async () => {
  // The fake CRIU writes its log where `-D <dir> -o dump.log` says, as the real one does.
  const criu = await script(
    'criu',
    `while [ $# -gt 0 ]; do [ "$1" = -D ] && D=$2; shift; done\nprintf '%s\\n' '${CRIU_LOG}' > "$D/dump.log"\nexit 1`,
  );
  const gcore = await script('gcore', `echo core > "$2.$3"; echo "Saved corefile $2.$3"`);
  const rec = await localSnapshot({
    pids: [child.pid!],
    dir: join(dir, 'a'),
    criuPath: criu,
    gcorePath: gcore,
  });
  assert.equal(rec.method, 'gcore');
  assert.equal(rec.attempts[0].method, 'criu');
  assert.match(rec.attempts[0].error ?? '', /criu dump failed: vdso: Unexpected rt vDSO area bounds/);
  assert.deepEqual(rec.attempts[1], { method: 'gcore' });
  assert.equal(rec.path, join(dir, 'a', `core.${child.pid}`));
});

test('when neither tool works the method is none, with both reasons and a code', async () => {
  const rec = await localSnapshot({
    pids: [child.pid!],
    dir: join(dir, 'b'),
    criuPath: join(dir, 'no-such-criu'),
    gcorePath: await script('gcore-fails', 'echo "ptrace: Operation not permitted." >&2; exit 1'),
  });
  assert.equal(rec.method, 'none');
  assert.equal(rec.code, 'SM_ERR_PAUSE_SNAPSHOT');
  assert.match(rec.error ?? '', /criu is not installed; gcore failed: ptrace: Operation not permitted\./);
  assert.equal(rec.path, undefined);
  // gcore exiting 0 without writing a core file is no copy either.
  const empty = await localSnapshot({
    pids: [child.pid!],
    dir: join(dir, 'b2'),
    methods: ['gcore'],
    gcorePath: await script('gcore-empty', 'touch "$2.$3"'),
  });
  assert.equal(empty.method, 'none');
  assert.match(empty.error ?? '', /no core file written/);
});

test('a tool that hangs is killed after its timeout', async () => {
  const rec = await localSnapshot({
    pids: [child.pid!],
    dir: join(dir, 'c'),
    methods: ['gcore'],
    gcorePath: await script('gcore-hangs', 'exec sleep 30'),
    timeoutMs: 200,
  });
  assert.equal(rec.method, 'none');
  assert.match(rec.error ?? '', /gcore did not finish within 200 ms/);
  // Where the agent was when the tool hung: its state, wait channel and tracer.
  assert.match(rec.error ?? '', new RegExp(`pid ${child.pid} [RSDT] \\S+ tracer 0`));
});

test('a hung tool is killed with everything it started, and a timed-out gcore is tried once more', async () => {
  // gcore is a shell script that runs gdb as its child: killing only the script left gdb attached
  // to the agent (and holding the pipes) after the timeout. The stand-in hangs on its first run
  // through a child of its own, and succeeds on the second.
  const marker = join(dir, 'gcore-grandchild.pid');
  const runs = join(dir, 'gcore-runs');
  const body = [
    `echo run >> ${runs}`,
    `if [ "$(wc -l < ${runs})" -eq 1 ]; then sleep 30 & echo $! > ${marker}; wait; fi`,
    'echo core > "$2.$3"',
  ].join('\n');
  const started = Date.now();
  const rec = await localSnapshot({
    pids: [child.pid!],
    dir: join(dir, 'g'),
    methods: ['gcore'],
    gcorePath: await script('gcore-wrapper-hangs', body),
    timeoutMs: 400,
  });
  assert.ok(Date.now() - started < 10_000, `returned after ${Date.now() - started} ms`);
  assert.equal(rec.method, 'gcore', rec.error);
  assert.match(rec.attempts[0]?.error ?? '', /gcore did not finish within 400 ms/);
  const grandchild = Number((await readFile(marker, 'utf8')).trim());
  assert.ok(await gone(grandchild), `the hung child ${grandchild} must be gone`);
});

test('a tool whose output closed before it exited is done at its exit; its group is not killed', async () => {
  // The pipes can close before the exit event: a listener for their close added at the exit then
  // never fires, and the 1 s fallback killed the tool's whole process group for nothing.
  const marker = join(dir, 'gcore-spare.pid');
  const body = [
    'echo core > "$2.$3"',
    `sleep 30 < /dev/null > /dev/null 2>&1 & echo $! > ${marker}`,
    'exec > /dev/null 2>&1',
    'sleep 0.3',
  ].join('\n');
  const rec = await localSnapshot({
    pids: [child.pid!],
    dir: join(dir, 'closed'),
    methods: ['gcore'],
    gcorePath: await script('gcore-closes-early', body),
  });
  assert.equal(rec.method, 'gcore', rec.error);
  const spare = Number((await readFile(marker, 'utf8')).trim());
  try {
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await gone(spare), false, `${spare}, which held no pipe, must not be killed`);
  } finally {
    try {
      process.kill(spare, 'SIGKILL');
    } catch {}
  }
});

test('real gcore (gdb) dumps a running child process', async () => {
  const rec = await localSnapshot({ pids: [child.pid!], dir: join(dir, 'real'), methods: ['gcore'] });
  assert.equal(rec.method, 'gcore', rec.error);
  assert.equal(rec.path, join(dir, 'real', `core.${child.pid}`));
  assert.ok((await stat(rec.path!)).size > 0);
  // gdb detached: the process still runs.
  assert.equal(child.exitCode, null);
  process.kill(child.pid!, 0);
});
