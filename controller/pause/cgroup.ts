// Freezes and thaws cgroups (v2 `cgroup.freeze`, v1 `freezer.state`) and finds a pod's container
// cgroups under the kubelet's hierarchy for both cgroup drivers; every path is taken relative to a
// caller-given root so tests can use a fake tree or real cgroups they create.
import { watch } from 'node:fs';
import { access, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pauseError } from '../errors.js';

export type CgroupVersion = 'v2' | 'v1';

export interface CgroupMounts {
  /** The cgroup2 mount (`/sys/fs/cgroup` on most nodes, `/sys/fs/cgroup/unified` in hybrid layouts). */
  v2?: string;
  /** The v1 hierarchy carrying the `freezer` controller. */
  freezerV1?: string;
}

/** Unescapes the octal escapes (`\040` for a space) the kernel writes in /proc/mounts. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

/** Reads the cgroup mounts from /proc/mounts text (never hard-code them: layouts differ per host). */
export function parseCgroupMounts(mounts: string): CgroupMounts {
  const out: CgroupMounts = {};
  for (const line of mounts.split('\n')) {
    const [, dir, type, opts] = line.split(' ');
    if (!dir) continue;
    if (type === 'cgroup2') out.v2 ??= unescapeMount(dir);
    else if (type === 'cgroup' && (opts ?? '').split(',').includes('freezer'))
      out.freezerV1 ??= unescapeMount(dir);
  }
  return out;
}

export async function findCgroupMounts(procMounts = '/proc/mounts'): Promise<CgroupMounts> {
  return parseCgroupMounts(await readFile(procMounts, 'utf8'));
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

/** v2 when the directory has `cgroup.freeze`, v1 when it has `freezer.state`. */
export async function cgroupVersion(path: string): Promise<CgroupVersion> {
  if (await exists(join(path, 'cgroup.freeze'))) return 'v2';
  if (await exists(join(path, 'freezer.state'))) return 'v1';
  throw pauseError(
    'SM_ERR_PAUSE_CGROUP_NOT_FOUND',
    `${path} is not a freezable cgroup (no cgroup.freeze or freezer.state; the root cgroup cannot be frozen)`,
  );
}

/** Whether the cgroup is fully frozen now (v2 `frozen 1` in cgroup.events, v1 `FROZEN`). */
export async function isFrozen(path: string, version?: CgroupVersion): Promise<boolean> {
  const v = version ?? (await cgroupVersion(path));
  if (v === 'v2') return /^frozen 1$/m.test(await readFile(join(path, 'cgroup.events'), 'utf8'));
  return (await readFile(join(path, 'freezer.state'), 'utf8')).trim() === 'FROZEN';
}

export interface FreezeOptions {
  version?: CgroupVersion;
  /** How long to wait for the kernel to report the new state. Default 5 s. */
  timeoutMs?: number;
}

/**
 * Waits until `isFrozen` equals `want`: 'reached', 'timeout', or 'gone' when the cgroup was removed
 * meanwhile (its processes ended and its owner deleted it). cgroup.events raises inotify modify
 * events, so a watch wakes us promptly; the poll is the fallback for v1 (whose freezer.state raises
 * none) and for watch failures. Reading v1 freezer.state is also what advances FREEZING to FROZEN.
 */
async function waitState(
  path: string,
  version: CgroupVersion,
  want: boolean,
  timeoutMs: number,
): Promise<'reached' | 'timeout' | 'gone'> {
  const deadline = Date.now() + timeoutMs;
  let wake: (() => void) | undefined;
  let watcher: ReturnType<typeof watch> | undefined;
  if (version === 'v2') {
    try {
      watcher = watch(join(path, 'cgroup.events'), () => wake?.());
      watcher.on('error', () => {});
    } catch {
      watcher = undefined;
    }
  }
  try {
    for (;;) {
      let frozen: boolean;
      try {
        frozen = await isFrozen(path, version);
      } catch (err) {
        if (removed(err)) return 'gone';
        throw err;
      }
      if (frozen === want) return 'reached';
      const left = deadline - Date.now();
      if (left <= 0) return 'timeout';
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, version === 'v2' ? 50 : 10));
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    watcher?.close();
  }
}

/** The error of a cgroup file whose cgroup was removed: before the open (ENOENT) or after it (ENODEV, kernfs). */
function removed(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENODEV';
}

async function writeState(path: string, version: CgroupVersion, frozen: boolean): Promise<void> {
  if (version === 'v2') await writeFile(join(path, 'cgroup.freeze'), frozen ? '1' : '0');
  else await writeFile(join(path, 'freezer.state'), frozen ? 'FROZEN' : 'THAWED');
}

/**
 * Freezes a cgroup and waits until the kernel reports it frozen. On timeout the cgroup is thawed
 * again (a half-frozen workload is the worst state to leave behind) and SM_ERR_PAUSE_FREEZE_TIMEOUT thrown.
 */
export async function freeze(path: string, options: FreezeOptions = {}): Promise<CgroupVersion> {
  const version = options.version ?? (await cgroupVersion(path));
  try {
    await writeState(path, version, true);
  } catch (err) {
    throw pauseError('SM_ERR_PAUSE_FREEZE', `cannot freeze ${path}: ${(err as Error).message}`, err);
  }
  const timeoutMs = options.timeoutMs ?? 5000;
  const state = await waitState(path, version, true, timeoutMs);
  if (state === 'gone')
    throw pauseError(
      'SM_ERR_PAUSE_CGROUP_GONE',
      `${path} was removed before it reported frozen (its processes ended)`,
    );
  if (state === 'timeout') {
    await writeState(path, version, false).catch(() => {});
    throw pauseError('SM_ERR_PAUSE_FREEZE_TIMEOUT', `${path} did not report frozen within ${timeoutMs} ms`);
  }
  return version;
}

/**
 * Thaws a cgroup and waits until it no longer reports frozen. A cgroup removed right after the thaw
 * counts as thawed: its processes ran to their end (an approved command that was only waiting to
 * be thawed ends within microseconds, and `semamesh exec` then deletes its cgroups).
 */
export async function thaw(path: string, options: FreezeOptions = {}): Promise<CgroupVersion> {
  const version = options.version ?? (await cgroupVersion(path));
  try {
    await writeState(path, version, false);
  } catch (err) {
    throw pauseError('SM_ERR_PAUSE_THAW', `cannot thaw ${path}: ${(err as Error).message}`, err);
  }
  const timeoutMs = options.timeoutMs ?? 5000;
  if ((await waitState(path, version, false, timeoutMs)) === 'timeout')
    throw pauseError('SM_ERR_PAUSE_THAW', `${path} still reports frozen after ${timeoutMs} ms`);
  return version;
}

/** PIDs in a cgroup and all its descendants (`cgroup.procs` lists only the cgroup's own). */
export async function cgroupPids(path: string): Promise<number[]> {
  const pids: number[] = [];
  const text = await readFile(join(path, 'cgroup.procs'), 'utf8').catch(() => '');
  for (const l of text.split('\n')) if (l.trim()) pids.push(Number(l));
  for (const e of await readdir(path, { withFileTypes: true }).catch(() => [])) {
    if (e.isDirectory()) pids.push(...(await cgroupPids(join(path, e.name))));
  }
  return pids;
}

/** Removes a cgroup and its (empty) descendants, deepest first. */
export async function removeCgroup(path: string): Promise<void> {
  for (const e of await readdir(path, { withFileTypes: true })) {
    if (e.isDirectory()) await removeCgroup(join(path, e.name));
  }
  // An exited task not yet released keeps the cgroup populated for a few milliseconds after it
  // leaves cgroup.procs; rmdir answers EBUSY meanwhile. Retry for a bounded time.
  const deadline = Date.now() + 2_000;
  for (;;) {
    try {
      return await rmdir(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EBUSY' || Date.now() >= deadline) throw err;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';
export type CgroupDriver = 'cgroupfs' | 'systemd';

export interface ContainerCgroup {
  /** The runtime's container id (64 hex for containerd and CRI-O). */
  id: string;
  path: string;
}

export interface PodCgroups {
  podPath: string;
  driver: CgroupDriver;
  qosClass: QosClass;
  containers: ContainerCgroup[];
}

export interface PodCgroupOptions {
  /** The hierarchy to search: the cgroup2 mount, or the v1 freezer mount. */
  root: string;
  /** Restrict the search to one QoS class (the pod's `status.qosClass`). */
  qosClass?: QosClass;
}

const POD_UID = /^[A-Za-z0-9-]{1,64}$/;
/** `cri-containerd-<id>.scope`, `crio-<id>.scope`, `docker-<id>.scope` (systemd driver). */
const SCOPE = /^(?:cri-containerd|crio|docker)-([0-9a-f]{12,64})\.scope$/;
const BARE_ID = /^[0-9a-f]{12,64}$/;

function qosOf(dirs: string[]): QosClass {
  const joined = dirs.join('/');
  if (/besteffort/i.test(joined)) return 'BestEffort';
  if (/burstable/i.test(joined)) return 'Burstable';
  return 'Guaranteed';
}

/**
 * Finds the pod's cgroup: `kubepods[/burstable|/besteffort]/pod<uid>` (cgroupfs driver) or
 * `kubepods.slice[/kubepods-<qos>.slice]/kubepods[-<qos>]-pod<uid_with_underscores>.slice`
 * (systemd driver). The search walks only `kubepods*`, `kubelet*` and the cgroupfs QoS directories, a few levels deep,
 * so nested roots such as kind's `kubelet.slice/kubelet-kubepods.slice/…` are found too.
 */
export async function findPodCgroup(
  podUid: string,
  options: PodCgroupOptions,
): Promise<PodCgroups | undefined> {
  if (!POD_UID.test(podUid))
    throw pauseError('SM_ERR_PAUSE_REQUEST_INVALID', `invalid pod UID ${JSON.stringify(podUid)}`);
  const cgroupfsName = `pod${podUid}`;
  const systemdSuffix = `-pod${podUid.replaceAll('-', '_')}.slice`;
  const queue: string[][] = [[]];
  while (queue.length > 0) {
    const rel = queue.shift()!;
    const entries = await readdir(join(options.root, ...rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const dirs = [...rel, e.name];
      const driver: CgroupDriver | undefined =
        e.name === cgroupfsName ? 'cgroupfs' : e.name.endsWith(systemdSuffix) ? 'systemd' : undefined;
      if (driver) {
        const qosClass = qosOf(rel);
        if (options.qosClass && options.qosClass !== qosClass) continue;
        const podPath = join(options.root, ...dirs);
        return { podPath, driver, qosClass, containers: await containerCgroups(podPath, driver) };
      }
      if (dirs.length < 5 && /^(kubepods|kubelet|burstable$|besteffort$)/.test(e.name)) queue.push(dirs);
    }
  }
  return undefined;
}

async function containerCgroups(podPath: string, driver: CgroupDriver): Promise<ContainerCgroup[]> {
  const out: ContainerCgroup[] = [];
  for (const e of await readdir(podPath, { withFileTypes: true })) {
    if (!e.isDirectory()) continue;
    const id = driver === 'systemd' ? SCOPE.exec(e.name)?.[1] : BARE_ID.test(e.name) ? e.name : undefined;
    if (id) out.push({ id, path: join(podPath, e.name) });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * The container cgroup directories of a pod (the sandbox's included: freezing it is harmless).
 * Pass `containerIds` (from `status.containerStatuses[].containerID`, with or without the
 * `containerd://` prefix) to keep only those.
 */
export async function podCgroupPaths(
  podUid: string,
  options: PodCgroupOptions & { containerIds?: string[] },
): Promise<ContainerCgroup[]> {
  const pod = await findPodCgroup(podUid, options);
  if (!pod)
    throw pauseError('SM_ERR_PAUSE_CGROUP_NOT_FOUND', `no cgroup for pod ${podUid} under ${options.root}`);
  if (!options.containerIds) return pod.containers;
  const wanted = new Set(options.containerIds.map((id) => id.replace(/^[a-z-]+:\/\//, '')));
  const found = pod.containers.filter((c) => wanted.has(c.id));
  if (found.length === 0)
    throw pauseError(
      'SM_ERR_PAUSE_CGROUP_NOT_FOUND',
      `pod ${podUid} has none of the containers ${[...wanted].join(', ')}`,
    );
  return found;
}

export interface KillOptions {
  version?: CgroupVersion;
  /** How long to wait for the cgroup to empty. Default 5 s. */
  timeoutMs?: number;
  /** Remove the cgroup directory (and empty descendants) once it is empty. */
  remove?: boolean;
}

/**
 * Kills every process in a (possibly frozen) cgroup without letting it run again: SIGKILL is
 * queued first (`cgroup.kill`, or per pid), then the cgroup is thawed so the kill is delivered
 * before any user code runs. Thawing first would hand the agent a window to act.
 */
export async function killCgroup(path: string, options: KillOptions = {}): Promise<void> {
  const version = options.version ?? (await cgroupVersion(path));
  const timeoutMs = options.timeoutMs ?? 5000;
  try {
    if (version === 'v2' && (await exists(join(path, 'cgroup.kill'))))
      await writeFile(join(path, 'cgroup.kill'), '1');
    else {
      for (const pid of await cgroupPids(path)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
        }
      }
    }
    await writeState(path, version, false);
  } catch (err) {
    // The kill ends even frozen tasks, and the cgroup's owner may remove it at once: done.
    if (removed(err) && !(await exists(path))) return;
    throw pauseError(
      'SM_ERR_PAUSE_KILL',
      `cannot kill the processes of ${path}: ${(err as Error).message}`,
      err,
    );
  }
  const deadline = Date.now() + timeoutMs;
  let left = await cgroupPids(path);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
    left = await cgroupPids(path);
  }
  if (left.length > 0)
    throw pauseError(
      'SM_ERR_PAUSE_KILL',
      `${path} still holds pids ${left.join(', ')} after ${timeoutMs} ms`,
    );
  if (options.remove) {
    try {
      await removeCgroup(path);
    } catch (err) {
      if (removed(err) && !(await exists(path))) return;
      throw pauseError('SM_ERR_PAUSE_KILL', `cannot remove ${path}: ${(err as Error).message}`, err);
    }
  }
}
