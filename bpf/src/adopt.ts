// Taking over what a previous Interceptor pinned (a node agent that restarted or was killed): its
// pinned maps are reused when their shape matches the new object's, and its pinned links are kept,
// their programs swapped atomically (BPF_LINK_UPDATE) only when the version differs. Nothing is
// detached on the way, so a redirected cgroup never connects directly while the agent restarts.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { NativeBpf } from './addon.js';
import { wrap } from './errors.js';

/** Which program each cgroup attach type runs (the programs of include/maps.h's object). */
export function programForAttachType(addon: NativeBpf, attachType: number | undefined): string | undefined {
  const t = addon.attachTypes;
  if (attachType === t.connect4) return 'sm_connect4';
  if (attachType === t.connect6) return 'sm_connect6';
  if (attachType === t.sockops) return 'sm_sockops';
  if (attachType === t.getsockopt) return 'sm_getsockopt';
  return undefined;
}

export interface MapPlan {
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
  const plan: MapPlan = { reused: new Set(), stale: [], links: [] };
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
export function removeStale(paths: string[]): void {
  for (const p of paths) rmSync(p, { force: true });
}
