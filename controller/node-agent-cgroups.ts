// Which cgroup hierarchy the node agent works in: the kubelet's pods are redirected (cgroup BPF
// programs attach on cgroup v2 only) and frozen (cgroup.freeze) in the v2 hierarchy. On a pure v2
// host that is the mount the DaemonSet hands in (/sys/fs/cgroup); on a hybrid host (v1 controllers
// on a tmpfs at /sys/fs/cgroup, v2 at /sys/fs/cgroup/unified) it is the `unified` mount below it.
// The node agent finds out by the filesystem's magic number instead of needing a per-host flag.
import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { configError } from './errors.js';

/** `CGROUP2_SUPER_MAGIC` (linux/magic.h): statfs f_type of a cgroup2 filesystem. */
export const CGROUP2_SUPER_MAGIC = 0x63677270;

export type CgroupRootKind = 'cgroup2' | 'hybrid-unified' | 'other';

const isCgroup2 = (path: string) =>
  statfs(path).then(
    (s) => s.type === CGROUP2_SUPER_MAGIC,
    () => false,
  );

/**
 * The v2 hierarchy for `--cgroup-root <given>`: `given` itself when it is on cgroup2 (a pure v2 mount,
 * or a directory inside one), `<given>/unified` on a hybrid host. Anything else is returned as is
 * with kind `other` (a v1-only layout: the pause falls back to the v1 freezer there, the redirect
 * is refused by the caller).
 */
export async function resolveCgroupRoot(given: string): Promise<{ root: string; kind: CgroupRootKind }> {
  if (await isCgroup2(given)) return { root: given, kind: 'cgroup2' };
  const unified = join(given, 'unified');
  if (await isCgroup2(unified)) return { root: unified, kind: 'hybrid-unified' };
  return { root: given, kind: 'other' };
}

/** resolveCgroupRoot for the redirect, which exists on cgroup v2 only: a coded error otherwise. */
export async function cgroup2Root(given: string): Promise<string> {
  const found = await resolveCgroupRoot(given);
  if (found.kind === 'other')
    throw configError(
      `--cgroup-root ${given} is not a cgroup2 mount and has no cgroup2 mount at ${join(given, 'unified')}: the eBPF redirect needs cgroup v2`,
    );
  return found.root;
}
