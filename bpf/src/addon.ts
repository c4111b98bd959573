// Loads the libbpf N-API addon lazily and says why when it cannot: SemaMesh installs and runs
// (without interception) on machines where the addon was never built.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BpfError } from './errors.js';

export interface NativeProgram {
  name: string;
  section: string;
  fd: number;
}

export interface NativeMap {
  name: string;
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  fd: number;
}

/** The addon's surface (bpf/addon/src/addon.cc). Failures throw Errors with errno/code/syscall. */
export interface NativeBpf {
  libbpfVersion(): string;
  openObject(path: string): number;
  loadObject(handle: number): void;
  closeObject(handle: number): void;
  objectPrograms(handle: number): NativeProgram[];
  objectMaps(handle: number): NativeMap[];
  setMapMaxEntries(handle: number, map: string, entries: number): void;
  attachCgroup(handle: number, program: string, cgroupPath: string): number;
  linkPin(link: number, path: string): void;
  linkUnpin(link: number): void;
  linkDestroy(link: number): void;
  linkInfo(link: number): {
    id: number;
    progId: number;
    type: number;
    /** Cgroup links only: the cgroup's id (0 once it is removed) and the attach type. */
    cgroupId?: bigint;
    attachType?: number;
  };
  linkOpen(path: string): number;
  linkUpdate(link: number, handle: number, program: string): void;
  programTag(handle: number, program: string): string;
  programTagById(id: number): string;
  pinnedMapInfo(path: string): {
    type: number;
    keySize: number;
    valueSize: number;
    maxEntries: number;
    name: string;
  };
  mapSetPinPath(handle: number, map: string, path: string): void;
  attachSockmap(handle: number, program: string, map: string): void;
  detachSockmap(handle: number, program: string, map: string): void;
  mapPin(handle: number, map: string, path: string): void;
  mapUnpin(handle: number, map: string): void;
  mapUpdate(fd: number, key: Buffer, value: Buffer, flags?: number): void;
  mapLookup(fd: number, key: Buffer, valueSize: number): Buffer | undefined;
  mapDelete(fd: number, key: Buffer): boolean;
  mapNextKey(fd: number, prev: Buffer | null, keySize: number): Buffer | undefined;
  objGet(path: string): number;
  closeFd(fd: number): void;
  detachPinnedLink(path: string): void;
  isBpffs(path: string): boolean;
  mountBpffs(path: string): void;
  /** The option bytes, or the errno (a number) when getsockopt failed. */
  getsockopt(fd: number, level: number, optname: number, length: number): Buffer | number;
  errnoName(errno: number): string;
  cgroupQuery(cgroupPath: string, attachType: number): number[];
  listPrograms(): { id: number; name: string; type: number }[];
  attachTypes: {
    connect4: number;
    connect6: number;
    sockops: number;
    getsockopt: number;
    skMsgVerdict: number;
  };
}

/** bpf/ inside the source tree, found from this file whether it runs from source or from dist/. */
export function bpfRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'bpf', 'build.sh'))) return join(dir, 'bpf');
    if (existsSync(join(dir, 'build.sh')) && existsSync(join(dir, 'progs'))) return dir;
    dir = dirname(dir);
  }
  return join(dirname(fileURLToPath(import.meta.url)), '..');
}

export function addonPath(): string {
  return process.env.SEMAMESH_BPF_ADDON ?? join(bpfRoot(), 'addon', 'build', 'Release', 'semamesh_bpf.node');
}

export function objectPath(): string {
  return process.env.SEMAMESH_BPF_OBJECT ?? join(bpfRoot(), 'build', 'semamesh.bpf.o');
}

export type AddonStatus = { available: true; addon: NativeBpf } | { available: false; reason: string };

let cached: AddonStatus | undefined;

/** Tries once per process; the reason is meant for humans (doctor, error messages). */
export function addonStatus(): AddonStatus {
  if (cached) return cached;
  cached = probe(addonPath());
  return cached;
}

function probe(path: string): AddonStatus {
  if (process.platform !== 'linux') {
    return { available: false, reason: `eBPF interception needs Linux (this is ${process.platform})` };
  }
  if (!existsSync(path)) {
    return {
      available: false,
      reason: `the libbpf addon is not built (${path} missing); run: npm run build:bpf`,
    };
  }
  try {
    const addon = createRequire(import.meta.url)(path) as NativeBpf;
    return { available: true, addon };
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    return { available: false, reason: `the libbpf addon at ${path} failed to load: ${msg}` };
  }
}

/** The addon, or SM_ERR_BPF_ADDON_UNAVAILABLE with the reason. */
export function loadAddon(): NativeBpf {
  const status = addonStatus();
  if (!status.available) throw new BpfError('SM_ERR_BPF_ADDON_UNAVAILABLE', status.reason);
  return status.addon;
}

/** For tests: forget the cached probe so a changed SEMAMESH_BPF_ADDON takes effect. */
export function resetAddonCache(): void {
  cached = undefined;
}
