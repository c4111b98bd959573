// cgroup helpers for interception and pause: find the cgroup2 mount, create/remove cgroups, move
// processes, freeze/thaw (v2 cgroup.freeze with a v1 freezer fallback), and the cgroup id BPF sees.
import { existsSync, mkdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
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
  if (options.evacuate !== false) {
    const parent = resolve(path, '..');
    for (const pid of cgroupProcs(path)) {
      try {
        writeFileSync(join(parent, 'cgroup.procs'), `${pid}\n`);
      } catch {
        // The process may have exited meanwhile.
      }
    }
  }
  try {
    rmdirSync(path);
  } catch (err) {
    throw wrap('SM_ERR_BPF_CGROUP', `cannot remove cgroup ${path}`, err);
  }
}

export interface FreezeOptions {
  /** How long to wait for the kernel to report the cgroup frozen (default 5000 ms). */
  timeoutMs?: number;
  /** A v1 freezer cgroup to use when the v2 one has no cgroup.freeze (e.g. `/sys/fs/cgroup/freezer/x`). */
  v1Path?: string;
}

/**
 * Polls a cgroup state file until it matches `want`. The cgroup may be removed meanwhile (its
 * processes ended and its owner deleted it): that is `goneIsDone` (a thaw: nothing is left frozen)
 * or an immediate error, never a wait for the timeout.
 */
async function pollFile(
  path: string,
  want: RegExp,
  timeoutMs: number,
  what: string,
  goneIsDone: boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 2; ; delay = Math.min(delay * 2, 50)) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      // ENOENT: removed before the open; ENODEV: removed between the open and the read (kernfs).
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENODEV') throw wrap('SM_ERR_BPF_CGROUP', `cannot read ${path}`, err);
      if (goneIsDone) return;
      throw new BpfError('SM_ERR_BPF_CGROUP', `${what}: the cgroup was removed meanwhile`);
    }
    if (want.test(text)) return;
    if (Date.now() > deadline)
      throw new BpfError('SM_ERR_BPF_CGROUP', `${what} did not happen within ${timeoutMs} ms`);
    await sleep(delay);
  }
}

async function setFrozen(cgroup: string, frozen: boolean, options: FreezeOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const path = cgroupPath(cgroup);
  const freezeFile = join(path, 'cgroup.freeze');
  if (existsSync(freezeFile)) {
    try {
      writeFileSync(freezeFile, frozen ? '1' : '0');
    } catch (err) {
      throw wrap('SM_ERR_BPF_CGROUP', `cannot write ${freezeFile}`, err);
    }
    // /proc/PID/status keeps saying S: cgroup.events is the authority on "frozen".
    await pollFile(
      join(path, 'cgroup.events'),
      frozen ? /^frozen 1$/m : /^frozen 0$/m,
      timeoutMs,
      `${frozen ? 'freeze' : 'thaw'} of ${path}`,
      !frozen,
    );
    return;
  }
  const v1 = v1FreezerPath(cgroup, path, options.v1Path);
  const stateFile = v1 ? join(v1, 'freezer.state') : undefined;
  if (!stateFile || !existsSync(stateFile)) {
    throw new BpfError(
      'SM_ERR_BPF_CGROUP',
      `${path} has no cgroup.freeze and no v1 freezer cgroup was found`,
    );
  }
  try {
    writeFileSync(stateFile, frozen ? 'FROZEN' : 'THAWED');
  } catch (err) {
    throw wrap('SM_ERR_BPF_CGROUP', `cannot write ${stateFile}`, err);
  }
  await pollFile(
    stateFile,
    frozen ? /^FROZEN$/m : /^THAWED$/m,
    timeoutMs,
    `${frozen ? 'freeze' : 'thaw'} of ${v1}`,
    !frozen,
  );
}

/**
 * The v1 freezer directory for a freeze request: the explicit one; the path itself when it is a v1
 * freezer cgroup (absolute under the freezer mount); or the same relative name under that mount.
 */
function v1FreezerPath(cgroup: string, v2Path: string, explicit: string | undefined): string | undefined {
  if (explicit) return explicit;
  if (existsSync(join(v2Path, 'freezer.state'))) return v2Path;
  const mount = freezerV1Mount();
  if (!mount || isAbsolute(cgroup)) return undefined;
  return join(mount, cgroup);
}

/** Freezes every process of a cgroup and resolves once the kernel reports it frozen. */
export function freeze(cgroup: string, options: FreezeOptions = {}): Promise<void> {
  return setFrozen(cgroup, true, options);
}

export function thaw(cgroup: string, options: FreezeOptions = {}): Promise<void> {
  return setFrozen(cgroup, false, options);
}
