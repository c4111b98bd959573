// Probes what eBPF interception needs on this host (kernel, BTF, cgroup2, bpffs, privileges, addon,
// object, build tools) and gives a verdict; `semamesh doctor` prints it.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { addonPath, addonStatus, objectPath } from './addon.js';
import { bpffsMount, cgroup2Mount } from './cgroup.js';

export interface CheckResult {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  /** Whether a failure stops interception (build tools only matter for building). */
  required: boolean;
}

export interface DoctorReport {
  checks: CheckResult[];
  /** True when everything required for interception is present. */
  ready: boolean;
  verdict: string;
}

const CAP_NET_ADMIN = 12;
const CAP_SYS_ADMIN = 21;
const CAP_PERFMON = 38;
const CAP_BPF = 39;

function kernelAtLeast(rel: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(rel);
  if (!m) return false;
  const [a, b] = [Number(m[1]), Number(m[2])];
  return a > major || (a === major && b >= minor);
}

function effectiveCaps(): bigint | undefined {
  try {
    const line = readFileSync('/proc/self/status', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('CapEff:'));
    return line ? BigInt(`0x${line.slice(7).trim()}`) : undefined;
  } catch {
    return undefined;
  }
}

function tool(name: string, args: string[]): string | undefined {
  try {
    return execFileSync(name, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 })
      .split('\n')[0]
      ?.trim();
  } catch {
    return undefined;
  }
}

export function runDoctor(): DoctorReport {
  const checks: CheckResult[] = [];
  const add = (name: string, ok: boolean, detail: string, required = true, warnOnly = false): void => {
    checks.push({
      name,
      status: ok ? 'ok' : warnOnly ? 'warn' : 'fail',
      detail,
      required: required && !warnOnly,
    });
  };
  const linux = process.platform === 'linux';
  add('platform', linux, linux ? 'linux' : `${process.platform}: eBPF interception needs Linux`);
  const rel = release();
  add(
    'kernel',
    linux && kernelAtLeast(rel, 5, 7),
    `${rel} (needs >= 5.7 for cgroup bpf_link and getsockopt hooks)`,
  );
  const btf = existsSync('/sys/kernel/btf/vmlinux');
  add(
    'btf',
    btf,
    btf ? '/sys/kernel/btf/vmlinux present' : '/sys/kernel/btf/vmlinux missing (CONFIG_DEBUG_INFO_BTF)',
  );
  const cg2 = cgroup2Mount();
  add('cgroup2', cg2 !== undefined, cg2 ? `mounted at ${cg2}` : 'no cgroup2 mount in /proc/mounts');
  const bpffs = bpffsMount();
  add(
    'bpffs',
    bpffs !== undefined,
    bpffs ? `mounted at ${bpffs}` : 'not mounted (mounted at /sys/fs/bpf on first pin)',
    false,
    true,
  );
  const caps = effectiveCaps();
  const has = (c: number): boolean => caps !== undefined && (caps & (1n << BigInt(c))) !== 0n;
  const root = process.getuid?.() === 0;
  const privileged = has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_NET_ADMIN) && has(CAP_PERFMON));
  add(
    'privileges',
    privileged,
    `${root ? 'root' : `uid ${process.getuid?.() ?? '?'}`}; CAP_SYS_ADMIN=${has(CAP_SYS_ADMIN)} CAP_BPF=${has(CAP_BPF)} CAP_NET_ADMIN=${has(CAP_NET_ADMIN)}`,
  );
  const addon = addonStatus();
  add(
    'addon',
    addon.available,
    addon.available ? `${addonPath()} (libbpf ${addon.addon.libbpfVersion()})` : addon.reason,
  );
  const obj = objectPath();
  add('bpf object', existsSync(obj), existsSync(obj) ? obj : `${obj} missing; run: npm run build:bpf`);
  const clang = tool('clang', ['--version']);
  add('clang', clang !== undefined, clang ?? 'not found (needed to build bpf/progs)', false, true);
  const bpftool = tool('bpftool', ['version']);
  add('bpftool', bpftool !== undefined, bpftool ?? 'not found (needed to generate vmlinux.h)', false, true);
  const missing = checks.filter((c) => c.required && c.status === 'fail').map((c) => c.name);
  const ready = missing.length === 0;
  return {
    checks,
    ready,
    verdict: ready
      ? 'eBPF interception is available'
      : `eBPF interception is unavailable (missing: ${missing.join(', ')}); the waypoint still works with explicit base URLs`,
  };
}
