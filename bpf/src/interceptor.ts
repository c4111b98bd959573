// The Interceptor: loads SemaMesh's BPF object, attaches the connect/sockops hooks to agent cgroups
// and getsockopt to the waypoint's, keeps sm_targets_v1 in sync with static targets and DNS, and
// removes everything it created on detach().
import { existsSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { loadAddon, type NativeBpf, type NativeMap, objectPath } from './addon.js';
import {
  type AdoptionReport,
  type AttachedLink,
  adoptPins,
  type MapPlan,
  type PinState,
  pinMaps,
  planMaps,
  pruneMapKeys,
  removeStalePins,
} from './adopt.js';
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
  /**
   * The agent cgroup (absolute, or relative to the cgroup2 mount) whose connects are redirected.
   * Optional with `adopt` (a node agent taking over pins may have no agent pod yet).
   */
  cgroupPath?: string;
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
  /**
   * Take over what a previous Interceptor pinned at `pinPath` instead of refusing it: compatible
   * maps are reused with their contents, pinned links stay attached (their programs are swapped
   * atomically when the version differs), so redirected cgroups are never left without the hook.
   * Links no longer wanted are removed by pruneAdopted() once the caller knows what it wants.
   */
  adopt?: boolean;
  /** The BPF object (default bpf/build/semamesh.bpf.o, or SEMAMESH_BPF_OBJECT). */
  objectPath?: string;
  /** Called with DNS resolution failures (interception keeps the previous addresses). */
  onError?: (err: unknown) => void;
}

export type InterceptorStats = Record<keyof typeof STATS, bigint>;
export type { AdoptionReport } from './adopt.js';

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
  /** Where maps and links are pinned, and which maps this instance pinned (unpinned on detach). */
  #pins: PinState = { createdDir: false, maps: [] };
  #skMsgAttached = false;
  #targets: TargetSet | undefined;
  #timer: NodeJS.Timeout | undefined;
  #onError: (err: unknown) => void = () => {};
  #agentCgroups = new Set<string>();
  #waypointCgroup: string | undefined;
  #skMsg = false;
  #adoption: AdoptionReport | undefined;
  /** sm_targets_v1 was reused: entries the new target set does not want must go once it is known. */
  #pruneTargets = false;

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
    if (options.cgroupPath === undefined && !options.adopt)
      throw new BpfError('SM_ERR_BPF_STATE', 'attach() needs cgroupPath (or adopt with pinPath)');
    if (options.adopt && (!options.pinPath || this.#skMsg))
      throw new BpfError('SM_ERR_BPF_STATE', 'adopt needs pinPath and does not support skMsg');
    const agent = options.cgroupPath === undefined ? undefined : cgroupPath(options.cgroupPath);
    const waypointCg = options.waypointCgroupPath ? cgroupPath(options.waypointCgroupPath) : processCgroup();
    if (agent !== undefined && resolve(agent) === resolve(waypointCg)) {
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
    const adopting = options.adopt === true && existsSync(options.pinPath!);
    try {
      let plan: MapPlan | undefined;
      this.#load(addon, file, (handle) => {
        if (adopting) plan = planMaps(addon, handle, options.pinPath!);
      });
      this.#writeConfig(options.waypoint, waypointCg);
      if (plan) this.#pruneTargets = plan.reused.has('sm_targets_v1');
      this.#applyDiff();
      // Static targets are live now; a slow or unreachable DNS server must not hold attach() for
      // its full retry budget, so hosts resolved later are applied when their answers arrive.
      await waitAtMost(this.#syncTargets(true), options.initialResolveMs ?? 3000);
      if (plan)
        this.#adoption = adoptPins(addon, this.#object!, this.#mapNames(), plan, this.#pins, this.#links);
      else if (options.pinPath) pinMaps(addon, this.#object!, options.pinPath, this.#mapNames(), this.#pins);
      this.#waypointCgroup = waypointCg;
      this.#link(PROGRAMS.getsockopt, waypointCg);
      // A previous run's getsockopt on another (restarted) waypoint cgroup serves nobody now.
      this.#dropAdopted((l) => l.program === PROGRAMS.getsockopt);
      if (this.#skMsg) {
        this.#link(PROGRAMS.sockops, waypointCg);
        addon.attachSockmap(this.#object!, PROGRAMS.skmsg, 'sm_sockhash_v1');
        this.#skMsgAttached = true;
      }
      if (agent !== undefined) this.attachCgroup(agent);
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
    let id: bigint | undefined;
    try {
      id = cgroupId(cg);
    } catch {
      id = undefined;
    }
    const keep: AttachedLink[] = [];
    for (const l of this.#links) {
      const mine = l.cgroup === cg || (l.adopted && id !== undefined && l.cgroupId === id);
      if (mine && l.program !== PROGRAMS.getsockopt) this.#destroyLink(l);
      else keep.push(l);
    }
    this.#links = keep;
    this.#agentCgroups.delete(cg);
  }

  /**
   * Points redirection at a new waypoint address (a restarted waypoint on another port, or one that
   * now listens on IPv6 too), and getsockopt at its new cgroup when one is given (a restarted
   * waypoint container). New connections use it at once; established ones are unaffected.
   */
  setWaypoint(waypoint: WaypointAddress, waypointCgroupPath?: string): void {
    this.#requireAttached();
    const next = waypointCgroupPath ? cgroupPath(waypointCgroupPath) : this.#waypointCgroup!;
    if (next !== this.#waypointCgroup) {
      if (this.#agentCgroups.has(next))
        throw new BpfError('SM_ERR_BPF_STATE', `${next} is an agent cgroup and cannot host the waypoint`);
      // The new getsockopt first, then the old one goes: accepted connections are always answered.
      this.#link(PROGRAMS.getsockopt, next);
      const keep: AttachedLink[] = [];
      for (const l of this.#links) {
        if (l.program === PROGRAMS.getsockopt && l.cgroup !== next) this.#destroyLink(l);
        else keep.push(l);
      }
      this.#links = keep;
      this.#waypointCgroup = next;
    }
    this.#writeConfig(waypoint, next);
  }

  cgroups(): string[] {
    return [...this.#agentCgroups];
  }

  /** What attach() took over from a previous run's pins (undefined when nothing was adopted). */
  adoption(): AdoptionReport | undefined {
    return this.#adoption && { ...this.#adoption };
  }

  /**
   * Removes the adopted links no attachCgroup() claimed: call once every cgroup that should stay
   * redirected has been attached (until then they keep redirecting, which is the safe side).
   * Returns how many were removed.
   */
  pruneAdopted(): number {
    this.#requireAttached();
    return this.#dropAdopted(() => true);
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
  links(): {
    program: string;
    cgroup: string;
    id: number;
    progId: number;
    pin?: string;
    adopted?: boolean;
  }[] {
    const addon = this.#requireAttached();
    return this.#links.map((l) => {
      const { id, progId } = addon.linkInfo(l.handle);
      return { program: l.program, cgroup: l.cgroup, pin: l.pin, adopted: l.adopted, id, progId };
    });
  }

  /** Removes a pin directory left by an Interceptor that died without detach() (adopt.ts). */
  static removeStalePins(dir: string): boolean {
    return removeStalePins(dir);
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
      for (const name of this.#pins.maps.splice(0)) {
        try {
          addon.mapUnpin(this.#object, name);
        } catch (err) {
          errors.push(err);
        }
      }
      addon.closeObject(this.#object);
      this.#object = undefined;
    }
    if (this.#pins.dir && this.#pins.createdDir) rmSync(this.#pins.dir, { recursive: true, force: true });
    this.#pins = { createdDir: false, maps: [] };
    this.#maps.clear();
    this.#agentCgroups.clear();
    this.#targets = undefined;
    this.#adoption = undefined;
    this.#pruneTargets = false;
    if (errors.length > 0) throw wrap('SM_ERR_BPF_ATTACH', 'detach left errors', errors[0]);
  }

  #requireAttached(): NativeBpf {
    if (this.#object === undefined || !this.#addon) {
      throw new BpfError('SM_ERR_BPF_STATE', 'the Interceptor is not attached (call attach() first)');
    }
    return this.#addon;
  }

  #load(addon: NativeBpf, file: string, beforeLoad: (handle: number) => void): void {
    try {
      this.#object = addon.openObject(file);
      beforeLoad(this.#object);
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

  /** The object's map names, without libbpf's internal ones (.rodata, .bss). */
  #mapNames(): string[] {
    return [...this.#maps.keys()].filter((n) => !n.startsWith('.'));
  }

  #link(program: string, cgroup: string): void {
    const addon = this.#addon!;
    // A missing cgroup has no id: the attach below then reports it (SM_ERR_BPF_ATTACH, ENOENT).
    let id = 0n;
    try {
      id = cgroupId(cgroup);
    } catch {}
    const adopted = this.#links.find((l) => l.adopted && l.program === program && l.cgroupId === id);
    if (adopted) {
      adopted.adopted = false;
      adopted.cgroup = cgroup;
      return;
    }
    let handle: number;
    try {
      handle = addon.attachCgroup(this.#object!, program, cgroup);
    } catch (err) {
      throw wrap('SM_ERR_BPF_ATTACH', `cannot attach ${program} to ${cgroup}`, err);
    }
    const link: AttachedLink = { handle, program, cgroup, cgroupId: id };
    this.#links.push(link);
    if (this.#pins.dir) {
      // Named by cgroup id: unique per (program, cgroup), and readable when debugging a node.
      const pin = join(this.#pins.dir, `link_${program}_${id}`);
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

  #dropAdopted(which: (l: AttachedLink) => boolean): number {
    const keep: AttachedLink[] = [];
    let dropped = 0;
    for (const l of this.#links) {
      if (l.adopted && which(l)) {
        this.#destroyLink(l);
        dropped++;
      } else keep.push(l);
    }
    this.#links = keep;
    return dropped;
  }

  /** After adopting sm_targets_v1: drops entries nobody wants, once every host has an answer. */
  #pruneStaleTargets(): void {
    const targets = this.#targets!;
    if (!this.#pruneTargets || targets.hosts().some((h) => h.addresses.length === 0)) return;
    pruneMapKeys(
      this.#addon!,
      this.#map('sm_targets_v1'),
      [...targets.desired().values()].map(encodeEndpointKey),
    );
    this.#pruneTargets = false;
  }

  #applyDiff(): void {
    const addon = this.#addon!;
    const m = this.#map('sm_targets_v1');
    const { add, remove } = this.#targets!.takeDiff();
    try {
      for (const ep of add) addon.mapUpdate(m.fd, encodeEndpointKey(ep), encodeTarget(ep.waypointPort ?? 0));
      for (const ep of remove) addon.mapDelete(m.fd, encodeEndpointKey(ep));
      this.#pruneStaleTargets();
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
