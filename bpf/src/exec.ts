// The building blocks of `semamesh exec -- <cmd>`: a cgroup pair for one run (the calling process,
// which hosts the waypoint, moves into "waypoint"; the command starts inside "agent"), and a spawn
// that attaches an Interceptor first and removes everything when the command exits.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { cgroupExecArgv, createCgroup, moveProcess, processCgroup, removeCgroup } from './cgroup.js';
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
