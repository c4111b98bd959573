// The Interceptor: loads SemaMesh's BPF object, attaches the connect/sockops hooks to agent cgroups
// and getsockopt to the waypoint's, keeps sm_targets_v1 in sync with static targets and DNS, and
// removes everything it created on detach().
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { loadAddon, type NativeBpf, type NativeMap, objectPath } from './addon.js';
import { cgroupId, cgroupPath, processCgroup } from './cgroup.js';
import { BpfError, wrap } from './errors.js';
import {
  CFG_ENABLED,
  CFG_SKMSG,
  decodeEndpoint,
  type Endpoint,
  encodeConfig,
  encodeEndpointKey,
  encodeTarget,
  LAYOUT,
  type OriginalDestination,
  STAT_SLOTS,
  STATS,
  type Target,
} from './layout.js';
import { originalDestination } from './sockopt.js';
import { DEFAULT_HOSTS, type HostTarget, type Resolver, TargetSet } from './targets.js';

export interface WaypointAddress {
  /** IPv4 address the waypoint listens on (IPv6 clients reach it IPv4-mapped unless ip6 is set). */
  ip: string;
  port: number;
  /** Optional IPv6 listen address for IPv6 targets (sockets with IPV6_V6ONLY need it). */
  ip6?: string;
  /** The waypoint's pid: its sockets are never redirected even outside its cgroup. */
  pid?: number;
}

export interface AttachOptions {
  /** The agent cgroup (absolute, or relative to the cgroup2 mount) whose connects are redirected. */
  cgroupPath: string;
  waypoint: WaypointAddress;
  /** Where the waypoint runs; getsockopt is attached there. Default: this process's cgroup. */
  waypointCgroupPath?: string;
  /** Fixed endpoints to intercept (each may name its own waypoint port, e.g. the TLS listener). */
  targets?: Target[];
  /** Hosts tracked through DNS; default DEFAULT_HOSTS (api.openai.com:443, api.anthropic.com:443). */
  hosts?: HostTarget[];
  resolver?: Resolver;
  /** DNS refresh bounds, see TargetSetOptions. */
  minRefreshMs?: number;
  maxRefreshMs?: number;
  /** How long attach() waits for the first DNS answers before returning (default 3000 ms). */
  initialResolveMs?: number;
  /** Splice agent<->waypoint payloads with sk_msg (sockops also runs in the waypoint cgroup). */
  skMsg?: boolean;
  /** Pin maps and links under this bpffs directory (it is created, and removed on detach). */
  pinPath?: string;
  /** The BPF object (default bpf/build/semamesh.bpf.o, or SEMAMESH_BPF_OBJECT). */
  objectPath?: string;
  /** Called with DNS resolution failures (interception keeps the previous addresses). */
  onError?: (err: unknown) => void;
}

export type InterceptorStats = Record<keyof typeof STATS, bigint>;

interface AttachedLink {
  handle: number;
  program: string;
  cgroup: string;
  pin?: string;
}

const PROGRAMS = {
  connect4: 'sm_connect4',
  connect6: 'sm_connect6',
  sockops: 'sm_sockops',
  getsockopt: 'sm_getsockopt',
  skmsg: 'sm_skmsg',
} as const;

export class Interceptor {
  #addon: NativeBpf | undefined;
  #object: number | undefined;
  #maps = new Map<string, NativeMap>();
  #links: AttachedLink[] = [];
  #pinnedMaps: string[] = [];
  #pinPath: string | undefined;
  #createdPinDir = false;
  #skMsgAttached = false;
  #targets: TargetSet | undefined;
  #timer: NodeJS.Timeout | undefined;
  #onError: (err: unknown) => void = () => {};
  #agentCgroups = new Set<string>();
  #waypointCgroup: string | undefined;
  #skMsg = false;

  get attached(): boolean {
    return this.#object !== undefined;
  }

  /** Loads the programs and starts redirecting `cgroupPath`. Cleans up after itself on failure. */
  async attach(options: AttachOptions): Promise<void> {
    if (this.#object !== undefined)
      throw new BpfError('SM_ERR_BPF_STATE', 'this Interceptor is already attached');
    const addon = loadAddon();
    this.#addon = addon;
    this.#onError = options.onError ?? (() => {});
    this.#skMsg = options.skMsg === true;
    const agent = cgroupPath(options.cgroupPath);
    const waypointCg = options.waypointCgroupPath ? cgroupPath(options.waypointCgroupPath) : processCgroup();
    if (resolve(agent) === resolve(waypointCg)) {
      throw new BpfError(
        'SM_ERR_BPF_STATE',
        `the agent cgroup and the waypoint cgroup are the same (${agent}): the waypoint would intercept itself`,
      );
    }
    const file = options.objectPath ?? objectPath();
    if (!existsSync(file)) {
      throw new BpfError('SM_ERR_BPF_OBJECT_MISSING', `BPF object ${file} not found; run: npm run build:bpf`);
    }
    this.#targets = new TargetSet({
      resolver: options.resolver,
      minIntervalMs: options.minRefreshMs,
      maxIntervalMs: options.maxRefreshMs,
    });
    for (const t of options.targets ?? []) this.#targets.addStatic(t);
    for (const h of options.hosts ?? DEFAULT_HOSTS) this.#targets.addHost(h);
    try {
      this.#load(addon, file);
      this.#writeConfig(options.waypoint, waypointCg);
      if (options.pinPath) this.#pinMaps(addon, options.pinPath);
      this.#applyDiff();
      // Static targets are live now; a slow or unreachable DNS server must not hold attach() for
      // its full retry budget, so hosts resolved later are applied when their answers arrive.
      await waitAtMost(this.#syncTargets(true), options.initialResolveMs ?? 3000);
      this.#waypointCgroup = waypointCg;
      this.#link(PROGRAMS.getsockopt, waypointCg);
      if (this.#skMsg) {
        this.#link(PROGRAMS.sockops, waypointCg);
        addon.attachSockmap(this.#object!, PROGRAMS.skmsg, 'sm_sockhash_v1');
        this.#skMsgAttached = true;
      }
      this.attachCgroup(agent);
    } catch (err) {
      await this.detach();
      throw err;
    }
    this.#schedule();
  }

  /** Redirects one more agent cgroup with the same programs and targets. */
  attachCgroup(path: string): void {
    const cg = cgroupPath(path);
    if (this.#agentCgroups.has(cg)) return;
    this.#requireAttached();
    if (cg === this.#waypointCgroup) {
      throw new BpfError('SM_ERR_BPF_STATE', `${cg} is the waypoint's cgroup and cannot be intercepted`);
    }
    this.#link(PROGRAMS.connect4, cg);
    this.#link(PROGRAMS.connect6, cg);
    // With sk_msg on, sockops already runs in the waypoint cgroup; an agent cgroup below it would
    // inherit it, and attaching twice only doubles work, so attach anyway: cgroups are usually siblings.
    this.#link(PROGRAMS.sockops, cg);
    this.#agentCgroups.add(cg);
  }

  /** Stops redirecting one agent cgroup (connections already redirected keep working). */
  detachCgroup(path: string): void {
    const cg = cgroupPath(path);
    const keep: AttachedLink[] = [];
    for (const l of this.#links) {
      if (l.cgroup === cg && l.program !== PROGRAMS.getsockopt) this.#destroyLink(l);
      else keep.push(l);
    }
    this.#links = keep;
    this.#agentCgroups.delete(cg);
  }

  /**
   * Points redirection at a new waypoint address (a restarted waypoint on another port, or one that
   * now listens on IPv6 too). New connections use it at once; established ones are unaffected.
   */
  setWaypoint(waypoint: WaypointAddress): void {
    this.#requireAttached();
    this.#writeConfig(waypoint, this.#waypointCgroup!);
  }

  cgroups(): string[] {
    return [...this.#agentCgroups];
  }

  addTarget(ep: Target): void {
    this.#requireAttached();
    this.#targets!.addStatic(ep);
    this.#applyDiff();
  }

  removeTarget(ep: Endpoint): void {
    this.#requireAttached();
    this.#targets!.removeStatic(ep);
    this.#applyDiff();
  }

  addHost(target: HostTarget): Promise<void> {
    this.#requireAttached();
    this.#targets!.addHost(target);
    return this.#syncTargets(false);
  }

  removeHost(target: HostTarget): void {
    this.#requireAttached();
    this.#targets!.removeHost(target);
    this.#applyDiff();
  }

  /** Re-resolves every host now (otherwise this happens on each host's TTL). */
  refresh(): Promise<void> {
    this.#requireAttached();
    return this.#syncTargets(true);
  }

  /** The endpoints currently in sm_targets_v1, read back from the kernel. */
  targets(): (OriginalDestination & { waypointPort?: number })[] {
    const addon = this.#requireAttached();
    const m = this.#map('sm_targets_v1');
    const out: (OriginalDestination & { waypointPort?: number })[] = [];
    for (
      let key = addon.mapNextKey(m.fd, null, m.keySize);
      key;
      key = addon.mapNextKey(m.fd, key, m.keySize)
    ) {
      const { rawFamily: _, ...ep } = decodeEndpoint(key);
      const value = addon.mapLookup(m.fd, key, m.valueSize);
      const waypointPort = value?.readUInt16BE(LAYOUT.sm_target.waypoint_port) ?? 0;
      out.push(waypointPort ? { ...ep, waypointPort } : ep);
    }
    return out;
  }

  hosts(): ReturnType<TargetSet['hosts']> {
    return this.#targets?.hosts() ?? [];
  }

  /** See sockopt.ts: the waypoint may call the free function from its own process instead. */
  originalDestination(socket: Socket): OriginalDestination | undefined {
    return originalDestination(socket);
  }

  stats(): InterceptorStats {
    const addon = this.#requireAttached();
    const m = this.#map('sm_stats_v1');
    const values: bigint[] = [];
    for (let i = 0; i < STAT_SLOTS; i++) {
      const key = Buffer.alloc(4);
      key.writeUInt32LE(i);
      values.push(addon.mapLookup(m.fd, key, m.valueSize)?.readBigUInt64LE(0) ?? 0n);
    }
    const out = {} as InterceptorStats;
    for (const [name, idx] of Object.entries(STATS)) out[name as keyof typeof STATS] = values[idx];
    return out;
  }

  /** Kernel ids of the links this instance holds (for diagnostics and tests). */
  links(): { program: string; cgroup: string; id: number; progId: number; pin?: string }[] {
    const addon = this.#requireAttached();
    return this.#links.map((l) => ({
      program: l.program,
      cgroup: l.cgroup,
      pin: l.pin,
      ...addon.linkInfo(l.handle),
    }));
  }

  /**
   * Removes a pin directory left by an Interceptor that died without detach(). Pinned links are
   * detached explicitly first: a link whose last reference was its pin is otherwise freed from a
   * kernel workqueue, so the hook would linger briefly after the unlink. Returns whether there was
   * anything to remove.
   */
  static removeStalePins(dir: string): boolean {
    if (!existsSync(dir)) return false;
    try {
      const addon = loadAddon();
      for (const name of readdirSync(dir))
        if (name.startsWith('link_')) addon.detachPinnedLink(join(dir, name));
      rmSync(dir, { recursive: true, force: true });
    } catch (err) {
      throw wrap('SM_ERR_BPF_PIN', `cannot remove stale pins under ${dir}`, err);
    }
    return true;
  }

  /** Removes every link, sk_msg attachment, pin and map this instance created. Idempotent. */
  async detach(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    const addon = this.#addon;
    if (!addon) return;
    const errors: unknown[] = [];
    for (const l of this.#links.splice(0)) {
      try {
        this.#destroyLink(l);
      } catch (err) {
        errors.push(err);
      }
    }
    if (this.#skMsgAttached && this.#object !== undefined) {
      try {
        addon.detachSockmap(this.#object, PROGRAMS.skmsg, 'sm_sockhash_v1');
      } catch (err) {
        errors.push(err);
      }
      this.#skMsgAttached = false;
    }
    if (this.#object !== undefined) {
      for (const name of this.#pinnedMaps.splice(0)) {
        try {
          addon.mapUnpin(this.#object, name);
        } catch (err) {
          errors.push(err);
        }
      }
      addon.closeObject(this.#object);
      this.#object = undefined;
    }
    if (this.#pinPath && this.#createdPinDir) rmSync(this.#pinPath, { recursive: true, force: true });
    this.#pinPath = undefined;
    this.#createdPinDir = false;
    this.#maps.clear();
    this.#agentCgroups.clear();
    this.#targets = undefined;
    if (errors.length > 0) throw wrap('SM_ERR_BPF_ATTACH', 'detach left errors', errors[0]);
  }

  #requireAttached(): NativeBpf {
    if (this.#object === undefined || !this.#addon) {
      throw new BpfError('SM_ERR_BPF_STATE', 'the Interceptor is not attached (call attach() first)');
    }
    return this.#addon;
  }

  #load(addon: NativeBpf, file: string): void {
    try {
      this.#object = addon.openObject(file);
      addon.loadObject(this.#object);
    } catch (err) {
      throw wrap('SM_ERR_BPF_LOAD', `cannot load ${file}`, err);
    }
    for (const m of addon.objectMaps(this.#object)) this.#maps.set(m.name, m);
    this.#checkSizes();
  }

  /** The object's BTF sizes must match the TS encoders, or every map write would be garbage. */
  #checkSizes(): void {
    const want: [string, number, number][] = [
      ['sm_targets_v1', LAYOUT.sm_endpoint.size, LAYOUT.sm_target.size],
      ['sm_config_v1', 4, LAYOUT.sm_config.size],
      ['sm_cookie_dst_v2', 8, LAYOUT.sm_origin.size],
      ['sm_peer_dst_v2', LAYOUT.sm_endpoint.size, LAYOUT.sm_origin.size],
      ['sm_sockhash_v1', LAYOUT.sm_sock_pair.size, 8],
    ];
    for (const [name, k, v] of want) {
      const m = this.#map(name);
      if (m.keySize !== k || m.valueSize !== v) {
        throw new BpfError(
          'SM_ERR_BPF_LOAD',
          `map ${name} has key/value ${m.keySize}/${m.valueSize} bytes, the TS encoders expect ${k}/${v}: rebuild bpf/ (npm run build:bpf)`,
        );
      }
    }
  }

  #map(name: string): NativeMap {
    const m = this.#maps.get(name);
    if (!m) throw new BpfError('SM_ERR_BPF_LOAD', `the BPF object has no map ${name} (stale build?)`);
    return m;
  }

  #writeConfig(w: WaypointAddress, waypointCg: string): void {
    const value = encodeConfig({
      waypointIp4: w.ip,
      waypointIp6: w.ip6,
      waypointPort: w.port,
      waypointCgroupId: cgroupId(waypointCg),
      waypointTgid: w.pid,
      flags: CFG_ENABLED | (this.#skMsg ? CFG_SKMSG : 0),
    });
    try {
      this.#addon!.mapUpdate(this.#map('sm_config_v1').fd, Buffer.alloc(4), value);
    } catch (err) {
      throw wrap('SM_ERR_BPF_MAP', 'cannot write sm_config_v1', err);
    }
  }

  #ensureBpffs(addon: NativeBpf, dir: string): void {
    if (addon.isBpffs(dir)) return;
    // The usual mount point; pin paths elsewhere must already be on a bpffs.
    if (!addon.isBpffs('/sys/fs/bpf') && existsSync('/sys/fs/bpf')) {
      try {
        addon.mountBpffs('/sys/fs/bpf');
      } catch (err) {
        throw wrap('SM_ERR_BPF_PIN', 'cannot mount bpffs at /sys/fs/bpf', err);
      }
    }
  }

  #pinMaps(addon: NativeBpf, dir: string): void {
    this.#ensureBpffs(addon, dir);
    if (existsSync(dir)) {
      throw new BpfError(
        'SM_ERR_BPF_PIN',
        `pin path ${dir} already exists (another Interceptor, or a stale one: remove it)`,
      );
    }
    try {
      mkdirSync(dir, { recursive: true });
    } catch (err) {
      throw wrap('SM_ERR_BPF_PIN', `cannot create pin directory ${dir}`, err);
    }
    this.#pinPath = dir;
    this.#createdPinDir = true;
    if (!addon.isBpffs(dir)) throw new BpfError('SM_ERR_BPF_PIN', `pin path ${dir} is not on a bpffs`);
    for (const name of this.#maps.keys()) {
      if (name.startsWith('.')) continue;
      try {
        addon.mapPin(this.#object!, name, join(dir, name));
      } catch (err) {
        throw wrap('SM_ERR_BPF_PIN', `cannot pin map ${name}`, err);
      }
      this.#pinnedMaps.push(name);
    }
  }

  #link(program: string, cgroup: string): void {
    const addon = this.#addon!;
    let handle: number;
    try {
      handle = addon.attachCgroup(this.#object!, program, cgroup);
    } catch (err) {
      throw wrap('SM_ERR_BPF_ATTACH', `cannot attach ${program} to ${cgroup}`, err);
    }
    const link: AttachedLink = { handle, program, cgroup };
    this.#links.push(link);
    if (this.#pinPath) {
      const pin = join(this.#pinPath, `link_${program}_${this.#links.length}`);
      try {
        addon.linkPin(handle, pin);
      } catch (err) {
        throw wrap('SM_ERR_BPF_PIN', `cannot pin link of ${program}`, err);
      }
      link.pin = pin;
    }
  }

  #destroyLink(l: AttachedLink): void {
    this.#addon!.linkDestroy(l.handle);
  }

  #applyDiff(): void {
    const addon = this.#addon!;
    const m = this.#map('sm_targets_v1');
    const { add, remove } = this.#targets!.takeDiff();
    try {
      for (const ep of add) addon.mapUpdate(m.fd, encodeEndpointKey(ep), encodeTarget(ep.waypointPort ?? 0));
      for (const ep of remove) addon.mapDelete(m.fd, encodeEndpointKey(ep));
    } catch (err) {
      throw wrap('SM_ERR_BPF_MAP', 'cannot update sm_targets_v1', err);
    }
  }

  async #syncTargets(force: boolean): Promise<void> {
    const targets = this.#targets;
    if (!targets) return;
    const errors = await targets.refresh(force);
    for (const e of errors) this.#onError(wrap('SM_ERR_BPF_RESOLVE', `cannot resolve ${e.host}`, e.error));
    if (this.#targets !== targets || this.#object === undefined) return;
    // Runs from timers too: a map failure is reported, never an unhandled rejection.
    try {
      this.#applyDiff();
    } catch (err) {
      this.#onError(err);
    }
  }

  #schedule(): void {
    const due = this.#targets?.nextDue();
    if (due === undefined) return;
    const delay = Math.max(1000, due - Date.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#syncTargets(false)
        .catch((err: unknown) => this.#onError(err))
        .finally(() => {
          if (this.#object !== undefined) this.#schedule();
        });
    }, delay);
    // Interception must not keep a CLI process alive on its own.
    this.#timer.unref();
  }
}

/** Waits for `p` (which never rejects) or `ms`, whichever comes first. */
async function waitAtMost(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
