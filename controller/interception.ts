// Cluster-mode interception: the node agent attaches the eBPF connect() redirect to the pod cgroup
// of every Running pod on this node that matches the agent selector, and detaches it when the pod
// goes away or stops matching; the waypoint's own pod is never attached. A restarted node agent
// adopts the previous run's pinned links and maps instead of removing them, so agents stay
// redirected to the waypoint (which fails closed while it cannot identify them) until it has the
// pod list and has decided; only then are links of pods no longer wanted removed.
import { existsSync } from 'node:fs';
import type { AttachOptions, HostTarget, WaypointAddress } from '../bpf/src/index.js';
import {
  CORE_KINDS,
  type K8sClient,
  type KindWatch,
  type KubeObject,
  LabelSelectorError,
  matchesLabels,
  parseLabelSelector as parseSelector,
  type LabelSelectorRequirement as Requirement,
  watchSelected,
} from '../kube/index.js';
import { configError, errorText, pauseError } from './errors.js';
import { findPodCgroup, podCgroupPaths, type QosClass } from './pause/index.js';

/** The part of bpf's Interceptor this module drives (injected so unit tests need no kernel). */
export interface InterceptorLike {
  readonly attached: boolean;
  attach(options: AttachOptions): Promise<void>;
  attachCgroup(path: string): void;
  detachCgroup(path: string): void;
  /** Moves getsockopt (and the self-skip) to a restarted waypoint's cgroup; agent links stay. */
  setWaypoint(waypoint: WaypointAddress, waypointCgroupPath?: string): void;
  /** Removes adopted links that no attachCgroup() claimed; returns how many. */
  pruneAdopted(): number;
  adoption(): { links: number; replaced: number; reusedMaps: string[]; defunct: number } | undefined;
  detach(): Promise<void>;
}

export interface PodInterceptionOptions {
  client: K8sClient;
  nodeName: string;
  /** The cgroup2 mount (or a root below it in tests) holding the kubelet's kubepods tree. */
  cgroupRoot: string;
  /** Label selector of agent pods, e.g. `semamesh.io/agent=true` (parsed by parseLabelSelector). */
  selector: string;
  /** Where redirected connections land: `port` for plain targets, `tlsPort` for :443 ones. */
  waypoint: { ip: string; port: number; tlsPort?: number };
  /** Endpoints to redirect; a `waypointPort` already set is kept. */
  hosts: HostTarget[];
  /** The node agent's own pod (the waypoint's pod): never attached, and its cgroup answers getsockopt. */
  podUid?: string;
  /**
   * The waypoint container's name in that pod: getsockopt and the waypoint self-skip then use
   * that container's cgroup, and a restarted waypoint container makes the redirect re-attach.
   * Without it the whole pod cgroup serves (cgroup programs are inherited by every container).
   */
  waypointContainer?: string;
  /**
   * bpffs directory for pinned maps and links. A previous run's pins there are adopted, never
   * removed before this run knows which pods it wants.
   */
  pinPath?: string;
  /** Creates the Interceptor (default: bpf's). */
  interceptor: () => InterceptorLike;
  /** Whether `pinPath` holds a previous run's pins (default: the directory exists). */
  hasPins?: (dir: string) => boolean;
  log?: (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;
  /** First retry delay after a per-pod failure (doubles per attempt up to maxRetryMs). Default 500 ms. */
  retryMs?: number;
  maxRetryMs?: number;
}

/**
 * Parses the node agent's `--agent-selector` with the shared label-selector grammar. Matching is
 * done here rather than by the watch so a pod whose label is removed is seen as an update to
 * detach, not as a watch that silently stops mentioning it.
 */
export function parseLabelSelector(text: string): Requirement[] {
  try {
    if (!text.trim()) throw new LabelSelectorError('empty selector');
    return parseSelector(text);
  } catch (err) {
    if (err instanceof LabelSelectorError)
      throw configError(`invalid --agent-selector ${JSON.stringify(text)}: ${err.message}`);
    throw err;
  }
}

/**
 * Parses `--hosts host:port,…` (IPv6 literals as `[::1]:443`). A :443 host goes to the waypoint's
 * TLS port when one is given: the waypoint terminates TLS there with a mesh-CA leaf for the SNI.
 */
export function parseHosts(text: string, tlsPort?: number): HostTarget[] {
  const out: HostTarget[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (!item) continue;
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(item);
    const port = m ? Number(m[3]) : Number.NaN;
    if (!m || port < 1 || port > 65535)
      throw configError(`invalid --hosts entry ${JSON.stringify(item)} (want host:port, [ipv6]:port)`);
    const host = m[1] ?? m[2];
    out.push(port === 443 && tlsPort ? { host, port, waypointPort: tlsPort } : { host, port });
  }
  if (out.length === 0) throw configError('--hosts names no endpoint');
  return out;
}

interface PodView {
  status?: {
    phase?: string;
    qosClass?: QosClass;
    containerStatuses?: { name: string; containerID?: string; state?: { running?: unknown } }[];
  };
}

interface Retry {
  attempt: number;
  notBefore: number;
}

export class PodInterception {
  readonly #o: PodInterceptionOptions;
  readonly #selector: Requirement[];
  #watch: KindWatch | undefined;
  #ic: InterceptorLike | undefined;
  #icWaypointCgroup: string | undefined;
  #seenWaypointCgroup: string | undefined;
  /** uid → the pod cgroup it is attached at. */
  readonly #attached = new Map<string, { pod: string; cgroup: string }>();
  readonly #retry = new Map<string, Retry>();
  #running: Promise<void> | undefined;
  /** Adopted links not yet pruned: pruned once every wanted pod is attached. */
  #adoptPending = false;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: PodInterceptionOptions) {
    this.#o = options;
    this.#selector = parseLabelSelector(options.selector);
  }

  /**
   * Watches this node's pods and attaches the ones already running. A previous run's pins are left
   * in the kernel meanwhile (they keep redirecting) and adopted by the first reconcile.
   */
  async start(): Promise<void> {
    this.#watch = await watchSelected(this.#o.client, CORE_KINDS.Pod, {
      fieldSelector: `spec.nodeName=${this.#o.nodeName}`,
      onAdd: () => this.kick(),
      onUpdate: () => this.kick(),
      onDelete: () => this.kick(),
      onError: (err) => this.#o.log?.('warn', 'interception pod watch failed', { err: err.message }),
    });
    this.kick();
    await this.settled();
  }

  /** This node's pods as the watch sees them (for the agent identity directory). */
  pods(): KubeObject[] {
    return this.#watch?.list() ?? [];
  }

  /** Pods attached now: uid → `namespace/name` and the pod cgroup. */
  attached(): Map<string, { pod: string; cgroup: string }> {
    return new Map(this.#attached);
  }

  /** Resolves once no reconcile is running or queued (retries waiting on a timer do not count). */
  async settled(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /**
   * Stops watching. By default every link, pin and map is removed (agents then connect directly);
   * with `keepPinned` the pinned links stay in the kernel after this process exits, so agents keep
   * landing on the waypoint address (or fail, closed) until the next node agent takes over.
   */
  async stop(options: { keepPinned?: boolean } = {}): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#watch?.stop();
    await this.settled();
    if (options.keepPinned && this.#o.pinPath) return;
    await this.#teardown();
  }

  /** Schedules a reconcile of every pod; calls during a run coalesce into one more run. */
  kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        try {
          await this.#reconcile();
        } catch (err) {
          this.#o.log?.('warn', 'interception reconcile failed', { err: errorText(err) });
          this.#later(Date.now() + (this.#o.retryMs ?? 500));
        }
      } while (this.#again && !this.#stopped);
    })().finally(() => {
      this.#running = undefined;
    });
  }

  #later(at: number): void {
    if (this.#stopped) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.kick();
      },
      Math.max(10, at - Date.now()),
    );
    this.#timer.unref();
  }

  #fail(uid: string, pod: string, err: unknown): void {
    const prev = this.#retry.get(uid);
    const attempt = (prev?.attempt ?? 0) + 1;
    const delay = Math.min((this.#o.retryMs ?? 500) * 2 ** (attempt - 1), this.#o.maxRetryMs ?? 30_000);
    this.#retry.set(uid, { attempt, notBefore: Date.now() + delay });
    this.#o.log?.('warn', 'cannot attach the redirect to an agent pod; retrying', {
      pod,
      uid,
      attempt,
      retryInMs: delay,
      err: errorText(err),
    });
  }

  /** The cgroup getsockopt goes on, or undefined when the waypoint is not there yet. */
  async #waypointCgroup(pods: KubeObject[]): Promise<string | undefined> {
    const uid = this.#o.podUid;
    if (!uid) return ''; // '' = the Interceptor's default: this process's own cgroup
    const self = pods.find((p) => p.metadata.uid === uid) as (KubeObject & PodView) | undefined;
    if (!this.#o.waypointContainer) return (await findPodCgroup(uid, { root: this.#o.cgroupRoot }))?.podPath;
    const status = self?.status?.containerStatuses?.find((c) => c.name === this.#o.waypointContainer);
    if (!status?.containerID || !status.state?.running) return undefined;
    const [c] = await podCgroupPaths(uid, { root: this.#o.cgroupRoot, containerIds: [status.containerID] });
    return c?.path;
  }

  async #teardown(): Promise<void> {
    const ic = this.#ic;
    this.#ic = undefined;
    this.#icWaypointCgroup = undefined;
    this.#attached.clear();
    if (ic) await ic.detach();
  }

  async #reconcile(): Promise<void> {
    if (!this.#watch || this.#stopped) return;
    const pods = this.#watch.list();
    const wanted = new Map<string, KubeObject & PodView>();
    for (const p of pods as (KubeObject & PodView)[]) {
      const uid = p.metadata.uid;
      if (!uid || uid === this.#o.podUid) continue;
      // A terminating pod still runs: keep redirecting it until it is deleted.
      if (p.status?.phase !== 'Running' || !matchesLabels(this.#selector, p.metadata.labels)) continue;
      wanted.set(uid, p);
    }
    for (const uid of this.#retry.keys()) if (!wanted.has(uid)) this.#retry.delete(uid);
    for (const [uid, a] of this.#attached) {
      if (wanted.has(uid)) continue;
      try {
        this.#ic?.detachCgroup(a.cgroup);
      } catch (err) {
        // A link that cannot be destroyed has most likely gone with its removed cgroup.
        this.#o.log?.('warn', 'detach failed', { pod: a.pod, err: errorText(err) });
      }
      this.#attached.delete(uid);
      this.#o.log?.('info', 'agent pod no longer intercepted', { pod: a.pod, uid });
    }

    let waypointCg: string | undefined;
    if (wanted.size > 0 || this.#ic) {
      try {
        waypointCg = await this.#waypointCgroup(pods);
      } catch (err) {
        this.#o.log?.('warn', "cannot find the waypoint's cgroup", { err: errorText(err) });
      }
    }
    if (waypointCg !== this.#seenWaypointCgroup) {
      // Pods waiting because the waypoint was not running yet should not sit out their backoff.
      this.#seenWaypointCgroup = waypointCg;
      this.#retry.clear();
    }
    if (this.#ic && waypointCg !== undefined && waypointCg !== this.#icWaypointCgroup) {
      // The waypoint container restarted (new cgroup): getsockopt and the self-skip follow it; the
      // agents' links stay, so nobody connects directly meanwhile.
      this.#o.log?.('info', 'waypoint cgroup changed: moving getsockopt', { waypointCgroup: waypointCg });
      const { ip, port } = this.#o.waypoint;
      this.#ic.setWaypoint({ ip, port }, waypointCg || undefined);
      this.#icWaypointCgroup = waypointCg;
    }
    const pin = this.#o.pinPath;
    if (!this.#ic && pin && waypointCg !== undefined && (this.#o.hasPins ?? existsSync)(pin)) {
      // A previous run's pins: take them over before deciding anything about pods.
      try {
        await this.#attach(undefined, waypointCg);
        this.#adoptPending = true;
        this.#o.log?.('info', 'adopted the BPF pins of a previous run', {
          pinPath: pin,
          ...this.#ic!.adoption(),
        });
      } catch (err) {
        // The pins stay in the kernel (still redirecting); retried with the next reconcile.
        this.#o.log?.('warn', 'cannot adopt the BPF pins of a previous run; retrying', {
          pinPath: pin,
          err: errorText(err),
        });
        this.#later(Date.now() + (this.#o.retryMs ?? 500));
        return;
      }
    }
    let nextRetry = Number.POSITIVE_INFINITY;
    for (const [uid, p] of wanted) {
      if (this.#attached.has(uid) || this.#stopped) continue;
      const name = `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;
      const r = this.#retry.get(uid);
      if (r && r.notBefore > Date.now()) {
        nextRetry = Math.min(nextRetry, r.notBefore);
        continue;
      }
      try {
        if (waypointCg === undefined)
          throw pauseError(
            'SM_ERR_PAUSE_CGROUP_NOT_FOUND',
            `the waypoint's cgroup (pod ${this.#o.podUid}${this.#o.waypointContainer ? `, container ${this.#o.waypointContainer}` : ''}) is not found under ${this.#o.cgroupRoot} yet`,
          );
        const found = await findPodCgroup(uid, { root: this.#o.cgroupRoot, qosClass: p.status?.qosClass });
        if (!found)
          throw pauseError(
            'SM_ERR_PAUSE_CGROUP_NOT_FOUND',
            `no cgroup for pod ${name} (${uid}) under ${this.#o.cgroupRoot}`,
          );
        await this.#attach(found.podPath, waypointCg);
        this.#attached.set(uid, { pod: name, cgroup: found.podPath });
        this.#retry.delete(uid);
        this.#o.log?.('info', 'agent pod intercepted', { pod: name, uid, cgroup: found.podPath });
      } catch (err) {
        this.#fail(uid, name, err);
        nextRetry = Math.min(nextRetry, this.#retry.get(uid)!.notBefore);
      }
    }
    if (Number.isFinite(nextRetry)) this.#later(nextRetry);
    else if (this.#adoptPending && this.#ic && !this.#stopped) {
      // Every wanted pod is attached (its adopted link claimed): the rest served pods now gone.
      const removed = this.#ic.pruneAdopted();
      this.#adoptPending = false;
      this.#o.log?.('info', 'reconciled the adopted BPF links', { removed });
    }
  }

  async #attach(cgroup: string | undefined, waypointCg: string): Promise<void> {
    if (this.#ic?.attached) {
      if (cgroup !== undefined) this.#ic.attachCgroup(cgroup);
      return;
    }
    // The first agent pod loads the programs; later ones only add links.
    const ic = this.#o.interceptor();
    const { ip, port } = this.#o.waypoint;
    await ic.attach({
      cgroupPath: cgroup,
      waypoint: { ip, port },
      ...(waypointCg ? { waypointCgroupPath: waypointCg } : {}),
      hosts: this.#o.hosts,
      pinPath: this.#o.pinPath,
      ...(this.#o.pinPath ? { adopt: true } : {}),
      onError: (err) => this.#o.log?.('warn', 'interception target update failed', { err: errorText(err) }),
    });
    this.#ic = ic;
    this.#icWaypointCgroup = waypointCg;
  }
}
