// cgroup helpers for interception: find the cgroup2 mount, create/remove cgroups, move processes,
// and the cgroup id BPF sees. Freezing and thawing belong to the pause flow (controller/pause/cgroup.ts).
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { BpfError, wrap } from './errors.js';

interface Mount {
  path: string;
  type: string;
  options: string[];
}

function mounts(): Mount[] {
  let text: string;
  try {
    text = readFileSync('/proc/mounts', 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const f = line.split(' ');
      // /proc/mounts escapes spaces as \040.
      const path = (f[1] ?? '').replace(/\\([0-7]{3})/g, (_, o: string) =>
        String.fromCharCode(Number.parseInt(o, 8)),
      );
      return { path, type: f[2] ?? '', options: (f[3] ?? '').split(',') };
    });
}

/** Where cgroup v2 is mounted (/sys/fs/cgroup on most hosts, /sys/fs/cgroup/unified on hybrid). */
export function cgroup2Mount(): string | undefined {
  return mounts().find((m) => m.type === 'cgroup2')?.path;
}

/** Where the v1 freezer hierarchy is mounted, if any. */
export function freezerV1Mount(): string | undefined {
  return mounts().find((m) => m.type === 'cgroup' && m.options.includes('freezer'))?.path;
}

/** The first mounted bpffs, if any. */
export function bpffsMount(): string | undefined {
  return mounts().find((m) => m.type === 'bpf')?.path;
}

function requireRoot(): string {
  const root = cgroup2Mount();
  if (!root) throw new BpfError('SM_ERR_BPF_CGROUP', 'no cgroup2 filesystem is mounted (see /proc/mounts)');
  return root;
}

/** A cgroup path: absolute paths are kept, relative ones are taken under the cgroup2 mount. */
export function cgroupPath(name: string): string {
  if (isAbsolute(name)) return name;
  if (name.split('/').includes('..')) {
    throw new BpfError('SM_ERR_BPF_CGROUP', `cgroup name must not contain '..': ${JSON.stringify(name)}`);
  }
  return resolve(requireRoot(), name);
}

/** The cgroup v2 path of a process (from /proc/PID/cgroup's `0::` line). */
export function processCgroup(pid: number | 'self' = 'self'): string {
  const root = requireRoot();
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  } catch (err) {
    throw wrap('SM_ERR_BPF_CGROUP', `cannot read the cgroup of process ${pid}`, err);
  }
  const line = text.split('\n').find((l) => l.startsWith('0::'));
  if (!line) throw new BpfError('SM_ERR_BPF_CGROUP', `process ${pid} has no cgroup v2 membership`);
  return join(root, line.slice(3));
}

/** Creates (mkdir -p) a cgroup and returns its absolute path. */
export function createCgroup(name: string): string {
  const path = cgroupPath(name);
  try {
    mkdirSync(path, { recursive: true });
  } catch (err) {
    throw wrap('SM_ERR_BPF_CGROUP', `cannot create cgroup ${path}`, err);
  }
  return path;
}

export function moveProcess(pid: number, cgroup: string): void {
  const path = cgroupPath(cgroup);
  try {
    writeFileSync(join(path, 'cgroup.procs'), `${pid}\n`);
  } catch (err) {
    throw wrap('SM_ERR_BPF_CGROUP', `cannot move process ${pid} into ${path}`, err);
  }
}

/** The pids currently in a cgroup (not its descendants). */
export function cgroupProcs(cgroup: string): number[] {
  const path = cgroupPath(cgroup);
  try {
    return readFileSync(join(path, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch (err) {
    throw wrap('SM_ERR_BPF_CGROUP', `cannot list processes of ${path}`, err);
  }
}

/** The id bpf_get_current_cgroup_id() returns for tasks in this cgroup: the v2 directory's inode. */
export function cgroupId(cgroup: string): bigint {
  const path = cgroupPath(cgroup);
  try {
    return statSync(path, { bigint: true }).ino;
  } catch (err) {
    throw wrap('SM_ERR_BPF_CGROUP', `cannot stat cgroup ${path}`, err);
  }
}

/**
 * argv that runs `argv` inside `cgroup` from its first instruction: a shell joins the cgroup, then
 * execs. Spawning first and moving later would let the child connect() before the move.
 */
export function cgroupExecArgv(
  cgroup: string,
  argv: readonly string[],
  options: { dieWithParent?: boolean } = {},
): string[] {
  const procs = join(cgroupPath(cgroup), 'cgroup.procs');
  // `dieWithParent`: setpriv (util-linux) sets PR_SET_PDEATHSIG before exec, so the command is
  // killed if the process that spawned it dies, even by SIGKILL; an agent must never outlive the
  // waypoint that governs it.
  if (options.dieWithParent) {
    const setpriv = SETPRIV.find((p) => existsSync(p));
    if (!setpriv)
      throw new BpfError(
        'SM_ERR_BPF_CGROUP',
        'setpriv (util-linux) is required to tie the command to semamesh',
      );
    return [
      '/bin/sh',
      '-c',
      'echo $$ > "$0" && exec "$@"',
      procs,
      setpriv,
      '--pdeathsig',
      'KILL',
      '--',
      ...argv,
    ];
  }
  return ['/bin/sh', '-c', 'echo $$ > "$0" && exec "$@"', procs, ...argv];
}

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'];

/** Removes a cgroup; processes still inside are first moved to the parent so rmdir can succeed. */
export function removeCgroup(cgroup: string, options: { evacuate?: boolean } = {}): void {
  const path = cgroupPath(cgroup);
  if (!existsSync(path)) return;
  // A task that has exited but is not yet released still counts as populated: cgroup.procs no
  // longer lists it, yet rmdir answers EBUSY for a few milliseconds. Retry for a bounded time.
  const deadline = Date.now() + RMDIR_BUSY_MS;
  for (;;) {
    if (options.evacuate !== false) evacuate(path);
    try {
      rmdirSync(path);
      return;
    } catch (err) {
      const busy = (err as NodeJS.ErrnoException).code === 'EBUSY' && !hasChildren(path);
      if (!busy || Date.now() >= deadline) {
        throw wrap('SM_ERR_BPF_CGROUP', `cannot remove cgroup ${path}`, err);
      }
      Atomics.wait(SLEEP, 0, 0, 10);
    }
  }
}

const RMDIR_BUSY_MS = 2_000;
const SLEEP = new Int32Array(new SharedArrayBuffer(4));

function hasChildren(path: string): boolean {
  try {
    return readdirSync(path, { withFileTypes: true }).some((e) => e.isDirectory());
  } catch {
    return false;
  }
}

function evacuate(path: string): void {
  const parent = resolve(path, '..');
  for (const pid of cgroupProcs(path)) {
    try {
      writeFileSync(join(parent, 'cgroup.procs'), `${pid}\n`);
    } catch {
      // The process may have exited meanwhile.
    }
  }
}
