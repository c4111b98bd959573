// Pinned state of an Interceptor: pinning its maps under a bpffs directory on a fresh start,
// taking over what a previous Interceptor pinned there (a node agent that restarted or was killed),
// and removing the pins of one that died without detach(). On takeover the pinned maps are reused
// when their shape matches the new object's, and the pinned links are kept, their programs swapped
// atomically (BPF_LINK_UPDATE) only when the version differs. Nothing is detached on the way, so a
// redirected cgroup never connects directly while the agent restarts.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadAddon, type NativeBpf, type NativeMap } from './addon.js';
import { BpfError, wrap } from './errors.js';

/** A cgroup link an Interceptor holds. */
export interface AttachedLink {
  handle: number;
  program: string;
  /** The path it was attached at; '' for an adopted link not claimed yet. */
  cgroup: string;
  cgroupId: bigint;
  pin?: string;
  /** Taken over from a previous run and not (yet) claimed by attachCgroup or the waypoint. */
  adopted?: boolean;
}

export interface AdoptionReport {
  /** Pinned links kept attached. */
  links: number;
  /** Of those, links whose program was replaced atomically (another version of the programs). */
  replaced: number;
  /** Pinned maps reused with their contents. */
  reusedMaps: string[];
  /** Links of removed cgroups, dropped. */
  defunct: number;
}

/**
 * The pin directory and the maps pinned in it. Updated as each step succeeds, so detach() after a
 * failure half-way unpins exactly what was pinned and removes the directory only if it was made.
 */
export interface PinState {
  dir?: string;
  createdDir: boolean;
  maps: string[];
}

/** Which program each cgroup attach type runs (the programs of include/maps.h's object). */
function programForAttachType(addon: NativeBpf, attachType: number | undefined): string | undefined {
  const t = addon.attachTypes;
  if (attachType === t.connect4) return 'sm_connect4';
  if (attachType === t.connect6) return 'sm_connect6';
  if (attachType === t.sockops) return 'sm_sockops';
  if (attachType === t.getsockopt) return 'sm_getsockopt';
  return undefined;
}

export interface MapPlan {
  /** The pin directory planned from. */
  dir: string;
  /** Maps of the new object that take over the pin of the same name (set before load). */
  reused: Set<string>;
  /** Pins that the new object does not reuse (another version's maps): removed after the swap. */
  stale: string[];
  /** Pinned links to adopt. */
  links: string[];
}

/**
 * Before load: points every map of the object whose pinned namesake has the same type, key and
 * value size and capacity at that pin, so the load reuses it with its contents (targets, config,
 * and the origins of connections in flight).
 */
export function planMaps(addon: NativeBpf, handle: number, dir: string): MapPlan {
  const plan: MapPlan = { dir, reused: new Set(), stale: [], links: [] };
  if (!existsSync(dir)) return plan;
  const entries = readdirSync(dir);
  const ours = new Map(addon.objectMaps(handle).map((m) => [m.name, m]));
  for (const name of entries) {
    const path = join(dir, name);
    if (name.startsWith('link_')) {
      plan.links.push(path);
      continue;
    }
    const want = ours.get(name);
    let compatible = false;
    if (want) {
      try {
        const got = addon.pinnedMapInfo(path);
        compatible =
          got.type === want.type &&
          got.keySize === want.keySize &&
          got.valueSize === want.valueSize &&
          got.maxEntries === want.maxEntries;
      } catch {
        compatible = false;
      }
    }
    if (compatible) {
      try {
        addon.mapSetPinPath(handle, name, path);
        plan.reused.add(name);
        continue;
      } catch (err) {
        throw wrap('SM_ERR_BPF_PIN', `cannot reuse pinned map ${path}`, err);
      }
    }
    plan.stale.push(path);
  }
  return plan;
}

/** Removes pins the new object did not take over (after every link runs the new programs). */
function removeStale(paths: string[]): void {
  for (const p of paths) rmSync(p, { force: true });
}

function ensureBpffs(addon: NativeBpf, dir: string): void {
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

function pinMap(addon: NativeBpf, object: number, dir: string, name: string, state: PinState): void {
  try {
    addon.mapPin(object, name, join(dir, name));
  } catch (err) {
    throw wrap('SM_ERR_BPF_PIN', `cannot pin map ${name}`, err);
  }
  state.maps.push(name);
}

/** A fresh start: creates `dir` (an existing one is refused) and pins every map in it. */
export function pinMaps(
  addon: NativeBpf,
  object: number,
  dir: string,
  maps: string[],
  state: PinState,
): void {
  ensureBpffs(addon, dir);
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
  state.dir = dir;
  state.createdDir = true;
  if (!addon.isBpffs(dir)) throw new BpfError('SM_ERR_BPF_PIN', `pin path ${dir} is not on a bpffs`);
  for (const name of maps) pinMap(addon, object, dir, name, state);
}

/**
 * Takeover (after planMaps and the load): opens every pinned link of the previous run and keeps it
 * attached, pushing it to `links` as adopted. Its program is swapped for the object's (atomically)
 * when the version differs or when a map was not reused (the old program would keep feeding maps
 * nobody reads). Then the new maps take over the pins of the old ones.
 */
export function adoptPins(
  addon: NativeBpf,
  object: number,
  maps: string[],
  plan: MapPlan,
  state: PinState,
  links: AttachedLink[],
): AdoptionReport {
  const dir = plan.dir;
  state.dir = dir;
  state.createdDir = true;
  const fresh = maps.filter((n) => !plan.reused.has(n));
  const report: AdoptionReport = { links: 0, replaced: 0, reusedMaps: [...plan.reused], defunct: 0 };
  for (const pin of plan.links) {
    let handle: number;
    try {
      handle = addon.linkOpen(pin);
    } catch (err) {
      throw wrap('SM_ERR_BPF_PIN', `cannot adopt pinned link ${pin}`, err);
    }
    const info = addon.linkInfo(handle);
    const program = programForAttachType(addon, info.attachType);
    if (!program || !info.cgroupId) {
      // Its cgroup is gone (the pod was deleted while nobody watched), or it is not ours.
      addon.linkDestroy(handle);
      report.defunct++;
      continue;
    }
    if (fresh.length > 0 || addon.programTagById(info.progId) !== addon.programTag(object, program)) {
      try {
        addon.linkUpdate(handle, object, program);
      } catch (err) {
        addon.linkDestroy(handle);
        throw wrap('SM_ERR_BPF_PIN', `cannot replace the program of ${pin}`, err);
      }
      report.replaced++;
    }
    links.push({ handle, program, cgroup: '', cgroupId: info.cgroupId, pin, adopted: true });
    report.links++;
  }
  removeStale(plan.stale);
  for (const name of plan.reused) state.maps.push(name);
  for (const name of fresh) pinMap(addon, object, dir, name, state);
  return report;
}

/**
 * Removes a pin directory left by an Interceptor that died without detach(). Pinned links are
 * detached explicitly first: a link whose last reference was its pin is otherwise freed from a
 * kernel workqueue, so the hook would linger briefly after the unlink. Returns whether there was
 * anything to remove.
 */
export function removeStalePins(dir: string): boolean {
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

/** Deletes every key of a reused map that is not in `keep` (entries of the previous run's config). */
export function pruneMapKeys(addon: NativeBpf, m: NativeMap, keep: Buffer[]): void {
  const want = new Set(keep.map((k) => k.toString('hex')));
  const drop: Buffer[] = [];
  for (let k = addon.mapNextKey(m.fd, null, m.keySize); k; k = addon.mapNextKey(m.fd, k, m.keySize))
    if (!want.has(k.toString('hex'))) drop.push(k);
  for (const k of drop) addon.mapDelete(m.fd, k);
}
