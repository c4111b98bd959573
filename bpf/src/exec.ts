// The building blocks of `semamesh exec -- <cmd>`: a cgroup pair for one run (the calling process,
// which hosts the waypoint, moves into "waypoint"; the command starts inside "agent"), and a spawn
// that attaches an Interceptor first and removes everything when the command exits.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cgroupExecArgv,
  cgroupPath,
  cgroupProcs,
  createCgroup,
  moveProcess,
  processCgroup,
  removeCgroup,
} from './cgroup.js';
import { wrap } from './errors.js';
import { type AttachOptions, Interceptor } from './interceptor.js';

export interface ExecCgroups {
  root: string;
  agent: string;
  waypoint: string;
  /** Moves this process back to its original cgroup and removes the three cgroups. */
  cleanup(): void;
}

/**
 * Creates `<name>/agent` and `<name>/waypoint` and moves this process into the waypoint one.
 * Start the waypoint's listeners only afterwards: a socket stays in the cgroup it was created in,
 * and the getsockopt program that answers SO_ORIGINAL_DST is attached to the waypoint cgroup.
 */
export function prepareExecCgroups(name = `semamesh-exec-${process.pid}`): ExecCgroups {
  removeStaleExecCgroups();
  const original = processCgroup();
  const root = createCgroup(name);
  const agent = createCgroup(`${name}/agent`);
  const waypoint = createCgroup(`${name}/waypoint`);
  try {
    moveProcess(process.pid, waypoint);
  } catch (err) {
    for (const cg of [agent, waypoint, root]) removeCgroup(cg);
    throw err;
  }
  return {
    root,
    agent,
    waypoint,
    cleanup() {
      moveProcess(process.pid, original);
      for (const cg of [agent, waypoint, root]) removeCgroup(cg);
    },
  };
}

/**
 * Cgroups of `semamesh exec` runs whose process is gone (killed with SIGKILL, say): whatever still
 * runs in them is no longer governed, so it is killed, and the cgroups are removed. Returns the
 * cgroups removed. Runs at every start, so a crash costs at most the time to the next run.
 */
export function removeStaleExecCgroups(root = cgroupPath('.')): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = /^semamesh-exec-(\d+)$/.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    const dir = join(root, name);
    const cgroups = [join(dir, 'agent'), join(dir, 'waypoint'), dir].filter((cg) =>
      existsSync(join(cg, 'cgroup.procs')),
    );
    // cgroup.kill (Linux ≥ 5.14) kills the whole subtree at once, frozen tasks included.
    if (existsSync(join(dir, 'cgroup.kill'))) writeFileSync(join(dir, 'cgroup.kill'), '1');
    else
      for (const cg of cgroups)
        for (const pid of cgroupProcs(cg)) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // Already gone.
          }
        }
    // Killed tasks leave their cgroup a moment later; rmdir needs them gone.
    const deadline = Date.now() + 2000;
    while (cgroups.some((cg) => cgroupProcs(cg).length > 0) && Date.now() < deadline) sleepSync(20);
    try {
      for (const cg of cgroups) removeCgroup(cg, { evacuate: false });
    } catch {
      continue; // A stale cgroup that will not go is no reason to refuse a new run.
    }
    removed.push(dir);
  }
  return removed;
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface InterceptedProcess {
  child: ChildProcess;
  interceptor: Interceptor;
  /** Resolves with the exit code (or the signal name) once the command exited and the hooks are gone. */
  exited: Promise<number | NodeJS.Signals | null>;
}

/**
 * Runs argv inside `cgroups.agent` with its LLM connections redirected to the waypoint. The child
 * is in the cgroup from its first instruction (a shell joins, then execs), so no connect() escapes.
 */
export async function spawnIntercepted(
  argv: readonly string[],
  cgroups: ExecCgroups,
  attach: Omit<AttachOptions, 'cgroupPath' | 'waypointCgroupPath'>,
  spawnOptions: SpawnOptions = { stdio: 'inherit' },
): Promise<InterceptedProcess> {
  const interceptor = new Interceptor();
  await interceptor.attach({ ...attach, cgroupPath: cgroups.agent, waypointCgroupPath: cgroups.waypoint });
  const full = cgroupExecArgv(cgroups.agent, argv, { dieWithParent: true });
  let child: ChildProcess;
  try {
    child = spawn(full[0], full.slice(1), spawnOptions);
  } catch (err) {
    await interceptor.detach();
    throw wrap('SM_ERR_BPF_CGROUP', `cannot start ${argv[0]}`, err);
  }
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => {
    const finish = (result: number | NodeJS.Signals | null) => {
      interceptor.detach().then(
        () => resolve(result),
        () => resolve(result),
      );
    };
    child.once('error', () => finish(null));
    child.once('exit', (code, signal) => finish(code ?? signal));
  });
  return { child, interceptor, exited };
}
