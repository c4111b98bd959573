// Several event loops for one waypoint: node:cluster workers share the listening socket the primary
// holds, each runs its own filter chain and policy engine, and the primary serves the admin port
// (metrics summed over the workers, health, readiness), restarts a worker that dies, and tells all
// workers at once when a new bundle is to be loaded.
import cluster, { type Worker } from 'node:cluster';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import Fastify from 'fastify';
import { AggregatorRegistry, type Registry } from 'prom-client';

/** Messages between the primary and its workers (node:cluster IPC). */
export type WorkerMessage =
  | { type: 'semamesh:listening'; url: string; tlsUrl?: string }
  | SwapMessage
  | RejectedMessage;
export interface SwapMessage {
  type: 'semamesh:swap';
  bundlePath: string;
  revision: string;
}
/** The primary's bundle client refused a bundle (or its fetch); one worker counts it in metrics. */
export interface RejectedMessage {
  type: 'semamesh:bundle-rejected';
  origin?: string;
  message: string;
}

/**
 * Event loops worth running: the CPUs this process may use, capped by its cgroup's CPU quota (a
 * container limited to 1.5 CPUs gets 2 loops, not one per core of the node).
 */
export function cpuBudget(): number {
  const cpus = availableParallelism();
  const quota = cgroupCpuLimit();
  return Math.max(1, Math.min(cpus, quota === undefined ? cpus : Math.ceil(quota)));
}

/** Memory one event loop is given when the default number of workers is worked out. */
const MEMORY_PER_WORKER = 192 * 1024 * 1024;

/**
 * The default number of event loops: cpuBudget(), but no more than the cgroup's memory limit holds
 * at MEMORY_PER_WORKER each (a pod with no CPU limit on a 64-core node and 1 GiB of memory gets 5).
 */
export function defaultWorkers(): number {
  const memory = cgroupMemoryLimit();
  const byMemory = memory === undefined ? Number.POSITIVE_INFINITY : Math.floor(memory / MEMORY_PER_WORKER);
  return Math.max(1, Math.min(cpuBudget(), byMemory));
}

/** The memory limit of this process's cgroup and its ancestors in bytes (v2 `memory.max`, v1 `memory.limit_in_bytes`). */
export function cgroupMemoryLimit(
  procCgroup = '/proc/self/cgroup',
  mountinfo = '/proc/self/mountinfo',
): number | undefined {
  let limit: number | undefined;
  walkCgroups(procCgroup, mountinfo, 'memory', (dir, v2) => {
    const raw = readOr(join(dir, v2 ? 'memory.max' : 'memory.limit_in_bytes'))?.trim();
    const bytes = raw === undefined || raw === 'max' ? Number.NaN : Number(raw);
    // v1 reports "no limit" as a huge page-rounded number.
    if (Number.isFinite(bytes) && bytes > 0 && bytes < 2 ** 60)
      limit = limit === undefined ? bytes : Math.min(limit, bytes);
  });
  return limit;
}

/**
 * The CPU quota of this process's cgroup and its ancestors, in CPUs (cgroup v2 `cpu.max`, v1
 * `cpu.cfs_quota_us` / `cpu.cfs_period_us`), or undefined when none is set or none can be read.
 */
export function cgroupCpuLimit(
  procCgroup = '/proc/self/cgroup',
  mountinfo = '/proc/self/mountinfo',
): number | undefined {
  let limit: number | undefined;
  const take = (cpus: number) => {
    if (Number.isFinite(cpus) && cpus > 0) limit = limit === undefined ? cpus : Math.min(limit, cpus);
  };
  walkCgroups(procCgroup, mountinfo, 'cpu', (dir, v2) => {
    if (v2) {
      const max = readOr(join(dir, 'cpu.max'))?.trim().split(/\s+/);
      if (max && max[0] !== 'max') take(Number(max[0]) / Number(max[1]));
    } else {
      const quota = Number(readOr(join(dir, 'cpu.cfs_quota_us')));
      const period = Number(readOr(join(dir, 'cpu.cfs_period_us')));
      if (quota > 0 && period > 0) take(quota / period);
    }
  });
  return limit;
}

/**
 * Calls `visit` with each directory from this process's cgroup up to the mount's root, in the
 * cgroup2 hierarchy and in the v1 hierarchy carrying `controller` (limits of ancestors apply too).
 */
function walkCgroups(
  procCgroup: string,
  mountinfo: string,
  controller: string,
  visit: (dir: string, v2: boolean) => void,
): void {
  let cgroups: string;
  let mounts: string;
  try {
    cgroups = readFileSync(procCgroup, 'utf8');
    mounts = readFileSync(mountinfo, 'utf8');
  } catch {
    return;
  }
  for (const line of cgroups.split('\n')) {
    const [, controllers, path] = line.split(/:(.*?):(.*)/s);
    if (path === undefined) continue;
    const v2 = controllers === '';
    if (!v2 && !controllers!.split(',').includes(controller)) continue;
    const mount = mountFor(mounts, v2, controller);
    if (!mount) continue;
    // With a cgroup namespace the path is relative to the mount's root; strip that root if present.
    const rel = mount.root !== '/' && path.startsWith(mount.root) ? path.slice(mount.root.length) : path;
    for (let dir = join(mount.point, rel); dir.startsWith(mount.point); dir = dirname(dir)) {
      visit(dir, v2);
      if (dir === mount.point) break;
    }
  }
}

function readOr(path: string): string | undefined {
  try {
    return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** The cgroup2 mount, or the v1 mount carrying `controller`, from /proc/self/mountinfo. */
function mountFor(
  mountinfo: string,
  v2: boolean,
  controller: string,
): { point: string; root: string } | undefined {
  for (const line of mountinfo.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const f = left.split(' ');
    const [fstype, , options] = right.split(' ');
    if (v2 ? fstype === 'cgroup2' : fstype === 'cgroup' && options?.split(',').includes(controller))
      return { root: f[3]!, point: f[4]! };
  }
  return undefined;
}

export interface PrimaryOptions {
  workers: number;
  /** Where the primary serves /metrics (summed over workers), /healthz and /readyz. */
  adminHost: string;
  adminPort: number;
  /** Extra environment for every worker (shared state directory, bundle path, …), read at each fork. */
  env?: Record<string, string> | (() => Record<string, string>);
  /** Why the waypoint is not ready although every worker listens (e.g. no policy yet), if so. */
  notReady?: () => string | undefined;
  /** Called when a worker (a first one or a replacement) serves, e.g. to send it the current bundle. */
  onListening?: (worker: Worker) => void;
  log: (line: string) => void;
}

export interface PrimaryUrls {
  url: string;
  adminUrl: string;
  /** The transparent-mode TLS listener, when the workers serve one. */
  tlsUrl?: string;
}

export interface Primary {
  /** The URL the workers listen on and the primary's admin URL, once every worker listens. */
  ready: Promise<PrimaryUrls>;
  /** Sends one message to every live worker (e.g. load this bundle now). */
  broadcast(message: WorkerMessage): void;
  /** Sends one message to one serving worker (what must be counted once in the summed metrics). */
  sendOne(message: WorkerMessage): void;
  close(): Promise<void>;
}

/**
 * Forks `workers` copies of this process (same script, arguments and Node flags) and supervises
 * them. Must be called in the primary; each worker then runs the normal single-process code and
 * calls `reportListening` once its server listens.
 */
export async function startPrimary(options: PrimaryOptions): Promise<Primary> {
  // Round-robin hand-off from the primary balances keep-alive connections evenly across workers.
  cluster.schedulingPolicy = cluster.SCHED_RR;
  const aggregator = new AggregatorRegistry();
  const listening = new Map<number, string>();
  let closing = false;
  let started = false;
  let restarts = 0;
  let resolveReady: (v: PrimaryUrls) => void = () => {};
  let rejectReady: (err: Error) => void = () => {};
  const ready = new Promise<PrimaryUrls>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  let adminUrl = '';

  const fork = (): Worker => {
    const env = typeof options.env === 'function' ? options.env() : options.env;
    const worker = cluster.fork({ ...env, SEMAMESH_WORKER: '1' });
    worker.on('message', (m: WorkerMessage) => {
      if (m?.type !== 'semamesh:listening') return;
      listening.set(worker.id, m.url);
      options.onListening?.(worker);
      if (listening.size === options.workers && !started) {
        started = true;
        resolveReady({ url: m.url, adminUrl, tlsUrl: m.tlsUrl });
      }
    });
    worker.on('exit', (code, signal) => {
      listening.delete(worker.id);
      if (closing) return;
      // A worker that dies before all listened is a start-up error (a bad flag, a taken port):
      // report it rather than restart it forever.
      if (!started) {
        rejectReady(new Error(`a waypoint worker exited during start-up (code ${code}, signal ${signal})`));
        return;
      }
      restarts++;
      const delay = Math.min(5000, 100 * 2 ** Math.min(restarts, 6));
      options.log(
        `waypoint worker ${worker.process.pid} exited (code ${code}, signal ${signal}); restarting in ${delay} ms`,
      );
      setTimeout(() => {
        if (!closing) fork();
      }, delay).unref();
    });
    return worker;
  };

  const admin = Fastify({ logger: false });
  admin.get('/metrics', async (_req, reply) => {
    reply.header('content-type', aggregator.contentType);
    return aggregator.clusterMetrics();
  });
  admin.get('/healthz', async () => ({ ok: true }));
  admin.get('/readyz', async (_req, reply) => {
    const reason = listening.size < options.workers ? 'not every worker serves yet' : options.notReady?.();
    if (reason) reply.code(503);
    return { ready: !reason, reason, workers: listening.size, want: options.workers };
  });
  await admin.listen({ host: options.adminHost, port: options.adminPort });
  const a = admin.server.address();
  adminUrl = typeof a === 'object' && a ? `http://${a.address}:${a.port}` : String(a);
  for (let i = 0; i < options.workers; i++) fork();

  return {
    ready,
    broadcast(message) {
      for (const w of Object.values(cluster.workers ?? {})) if (w?.isConnected()) w.send(message);
    },
    sendOne(message) {
      const w = Object.values(cluster.workers ?? {}).find((w) => w?.isConnected() && listening.has(w.id));
      w?.send(message);
    },
    async close() {
      closing = true;
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w);
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.isDead()) return resolve();
              const kill = setTimeout(() => w.process.kill('SIGKILL'), 5000);
              w.once('exit', () => {
                clearTimeout(kill);
                resolve();
              });
              w.process.kill('SIGTERM');
            }),
        ),
      );
      await admin.close();
    },
  };
}

/** True in a worker forked by `startPrimary`. */
export function isWaypointWorker(): boolean {
  return cluster.isWorker && process.env.SEMAMESH_WORKER === '1';
}

/** Tells the primary this worker serves, and lets it collect this worker's metrics. */
export function reportListening(url: string, registry: Registry, tlsUrl?: string): void {
  AggregatorRegistry.setRegistries([registry]);
  // prom-client answers the primary's metrics requests only once an aggregator exists in the worker.
  new AggregatorRegistry();
  process.send?.({ type: 'semamesh:listening', url, tlsUrl } satisfies WorkerMessage);
}

/** Calls `fn` for each message the primary sends this worker. */
export function onPrimaryMessage(fn: (message: SwapMessage | RejectedMessage) => void): void {
  process.on('message', (m: WorkerMessage) => {
    if (m?.type === 'semamesh:swap' || m?.type === 'semamesh:bundle-rejected') fn(m);
  });
}
