// Local-mode forensics for a paused process tree: CRIU first (`criu dump --leave-running`), then a
// gcore memory dump, else nothing, recording which method was used and why the others failed.
import { spawn } from 'node:child_process';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errorText } from '../errors.js';
import { freeze, thaw } from './cgroup.js';
import type { CheckpointRecord } from './checkpoint.js';

export type SnapshotMethod = 'criu' | 'gcore';

export interface SnapshotAttempt {
  method: SnapshotMethod;
  error?: string;
}

export interface SnapshotRecord extends CheckpointRecord {
  method: 'criu' | 'gcore' | 'none';
  attempts: SnapshotAttempt[];
}

export interface SnapshotOptions {
  /** The processes to copy (for a cgroup: `cgroupPids(path)`). */
  pids: number[];
  /** Where the copy goes; created if missing. */
  dir: string;
  /**
   * The frozen cgroup holding the processes. ptrace (gdb, CRIU) hangs on frozen tasks, so the copy
   * is taken in a window where every process is SIGSTOPped and the cgroup thawed: the stop is
   * delivered before any user code runs, and the cgroup is frozen again before SIGCONT.
   */
  frozenCgroup?: string;
  /** Methods in order of preference. Default criu, then gcore. */
  methods?: SnapshotMethod[];
  criuPath?: string;
  gcorePath?: string;
  /** Per-tool timeout. Default 120 s. */
  timeoutMs?: number;
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  error?: NodeJS.ErrnoException & { killed?: boolean };
}

/**
 * Runs a tool in a process group of its own. On timeout the whole group is killed: gcore is a shell
 * script whose gdb child would otherwise stay attached to the agent (and hold the output pipes).
 */
function run(file: string, args: string[], timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let size = 0;
    const keep = (into: Buffer[]) => (b: Buffer) => {
      size += b.length;
      if (size <= OUTPUT_LIMIT) into.push(b);
    };
    child.stdout.on('data', keep(out));
    child.stderr.on('data', keep(err));
    let killed = false;
    const killGroup = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // The group is already gone.
      }
    };
    const timer = setTimeout(() => {
      killed = true;
      killGroup();
    }, timeoutMs);
    let settled = false;
    const settle = (code: number | null, error?: RunResult['error']) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), error });
    };
    child.once('error', (e: NodeJS.ErrnoException) => settle(null, e));
    child.once('exit', (code) => {
      if (killed) {
        settle(null, Object.assign(new Error(`${file} killed after ${timeoutMs} ms`), { killed: true }));
        return;
      }
      // The pipes close when their last holder exits, possibly before this event: then it is done.
      if (child.stdout.closed) {
        settle(code);
        return;
      }
      // A child the tool left behind holding them is not ours to keep (gdb must never outlive its
      // gcore): after a short wait the group goes.
      const drained = setTimeout(() => {
        killGroup();
        settle(code);
      }, 1000);
      child.stdout.once('close', () => {
        clearTimeout(drained);
        settle(code);
      });
    });
  });
}

/** Output kept from one tool run (stdout and stderr together). */
const OUTPUT_LIMIT = 4 << 20;

function toolFailure(tool: string, r: RunResult, timeoutMs: number): string | undefined {
  if (!r.error) return undefined;
  if (r.error.code === 'ENOENT') return `${tool} is not installed`;
  if (r.error.killed) return `${tool} did not finish within ${timeoutMs} ms`;
  return undefined;
}

/** CRIU logs `Error (file:line): message`; the first such line is the cause, later ones its echoes. */
export function criuReason(log: string): string | undefined {
  const m = /Error \([^)]*\):\s*(.+)/.exec(log);
  if (!m) return undefined;
  const reason = m[1].trim();
  return /vDSO/i.test(reason)
    ? `${reason} (CRIU older than 4.1 cannot dump on kernels 6.13 and later)`
    : reason;
}

/** Tree roots: pids whose parent is not in the set (CRIU dumps one tree per root). */
async function treeRoots(pids: number[]): Promise<number[]> {
  const set = new Set(pids);
  const roots: number[] = [];
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!set.has(ppid)) roots.push(pid);
  }
  return roots;
}

async function tryCriu(o: SnapshotOptions, timeoutMs: number): Promise<{ path?: string; error?: string }> {
  const base = join(o.dir, 'criu');
  for (const root of await treeRoots(o.pids)) {
    const images = join(base, String(root));
    await mkdir(images, { recursive: true });
    const args = ['dump', '-t', String(root), '-D', images, '--leave-running', '--shell-job'];
    args.push('--tcp-established', '--file-locks', '--ext-unix-sk', '-o', 'dump.log', '-v2');
    const r = await run(o.criuPath ?? 'criu', args, timeoutMs);
    const failure = toolFailure('criu', r, timeoutMs);
    if (failure) return { error: failure };
    if (r.code !== 0) {
      const log = await readFile(join(images, 'dump.log'), 'utf8').catch(() => '');
      const reason = criuReason(log) ?? criuReason(r.stderr) ?? (r.stderr.trim() || `exit code ${r.code}`);
      return { error: `criu dump failed: ${reason}` };
    }
  }
  return { path: base };
}

async function tryGcore(o: SnapshotOptions, timeoutMs: number): Promise<{ path?: string; error?: string }> {
  await mkdir(o.dir, { recursive: true });
  const prefix = join(o.dir, 'core');
  const r = await run(o.gcorePath ?? 'gcore', ['-o', prefix, ...o.pids.map(String)], timeoutMs);
  const failure = toolFailure('gcore', r, timeoutMs);
  // A hang (seen rarely under load, both tries) says where the agent's processes were, to find why.
  if (failure && r.error?.killed) return { error: `${failure} (${await processStates(o.pids)})` };
  if (failure) return { error: failure };
  const written: string[] = [];
  for (const pid of o.pids) {
    const file = `${prefix}.${pid}`;
    if (
      await stat(file).then(
        (s) => s.size > 0,
        () => false,
      )
    )
      written.push(file);
  }
  if (r.code !== 0 || written.length === 0) {
    const lines = r.stderr.split('\n').filter((l) => l.trim() && !/^warning:/i.test(l.trim()));
    return { error: `gcore failed: ${lines.at(-1)?.trim() || `exit code ${r.code}, no core file written`}` };
  }
  return { path: written.length === 1 ? written[0] : o.dir };
}

/** `pid <state> <wchan> tracer <pid>` for each pid, from /proc: what a hung tool was waiting on. */
async function processStates(pids: number[]): Promise<string> {
  const states: string[] = [];
  for (const pid of pids) {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    if (!stat) {
      states.push(`pid ${pid} gone`);
      continue;
    }
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    const wchan = (await readFile(`/proc/${pid}/wchan`, 'utf8').catch(() => '')) || '-';
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const tracer = /^TracerPid:\s*(\d+)/m.exec(status)?.[1] ?? '?';
    states.push(`pid ${pid} ${state} ${wchan} tracer ${tracer}`);
  }
  return states.join(', ');
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // The process already exited: nothing to stop or continue.
    }
  }
}

/** A process's one-letter state from /proc (`''` when it is gone). */
async function procState(pid: number): Promise<string> {
  const s = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3);
}

/**
 * Waits (up to timeoutMs in all) for the SIGSTOPs to land, and splits the pids into those that
 * stopped — the only ones a tracer can attach to — and the rest, each with why. A process that
 * cannot stop hangs the tool that attaches to it: above all a vfork parent, which waits in the
 * kernel (state D) until its child execs or exits, and its child is stopped too. That child
 * shares the parent's memory, so its copy holds the parent's.
 */
async function waitStopped(
  pids: number[],
  timeoutMs: number,
): Promise<{ stopped: number[]; left: string[] }> {
  const deadline = Date.now() + timeoutMs;
  const stopped: number[] = [];
  const left: string[] = [];
  for (const pid of pids) {
    let state = await procState(pid);
    while (state !== '' && state !== 'T' && state !== 't' && state !== 'Z' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2));
      state = await procState(pid);
    }
    if (state === 'T' || state === 't') stopped.push(pid);
    else if (state === 'Z' || state === '') left.push(`pid ${pid} ${state === 'Z' ? 'exited' : 'gone'}`);
    else left.push(`${await processStates([pid])}: did not stop, not copied`);
  }
  return { stopped, left };
}

/** Runs the snapshot methods in order; never throws: the record says what was used and why not the others. */
export async function localSnapshot(o: SnapshotOptions): Promise<SnapshotRecord> {
  const timeoutMs = o.timeoutMs ?? 120_000;
  const attempts: SnapshotAttempt[] = [];
  if (o.pids.length === 0) return { method: 'none', error: 'no processes to copy', attempts };
  let targets = o;
  let left: string[] = [];
  if (o.frozenCgroup) {
    signalAll(o.pids, 'SIGSTOP');
    await thaw(o.frozenCgroup);
    const states = await waitStopped(o.pids, 2000);
    targets = { ...o, pids: states.stopped };
    left = states.left;
  }
  // What was not copied is said beside the copy, never dropped.
  const note = (error?: string) => [error, ...left].filter(Boolean).join('; ') || undefined;
  try {
    if (targets.pids.length === 0)
      return {
        method: 'none',
        error: note('no process stopped to be copied'),
        code: 'SM_ERR_PAUSE_SNAPSHOT',
        attempts,
      };
    for (const method of o.methods ?? ['criu', 'gcore']) {
      // A gdb attach that hangs is rare and not repeatable (seen once in many CI runs, under load):
      // a timed-out gcore, killed with its gdb, is tried once more.
      const tries = method === 'gcore' ? 2 : 1;
      for (let i = 0; i < tries; i++) {
        let result: { path?: string; error?: string };
        try {
          result = method === 'criu' ? await tryCriu(targets, timeoutMs) : await tryGcore(targets, timeoutMs);
        } catch (err) {
          result = { error: `${method}: ${errorText(err)}` };
        }
        attempts.push({ method, ...(result.error ? { error: result.error } : {}) });
        if (result.path) {
          const error = note();
          return { method, path: result.path, ...(error ? { error } : {}), attempts };
        }
        if (!result.error?.includes('did not finish within')) break;
      }
    }
  } finally {
    if (o.frozenCgroup) {
      await freeze(o.frozenCgroup);
      signalAll(o.pids, 'SIGCONT');
    }
  }
  return {
    method: 'none',
    error: note(attempts.map((a) => a.error).join('; ')),
    code: 'SM_ERR_PAUSE_SNAPSHOT',
    attempts,
  };
}
