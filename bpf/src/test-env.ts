// Helpers for tests and benchmarks that run the real kernel hooks: why they cannot run here, a
// sandbox of cgroups (this process moves into the "waypoint" one), child processes started inside
// a cgroup, and a tiny recording TCP forwarder standing in for the waypoint.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { addonStatus, objectPath } from './addon.js';
import { cgroup2Mount, cgroupExecArgv } from './cgroup.js';
import { type ExecCgroups, prepareExecCgroups } from './exec.js';
import type { OriginalDestination } from './layout.js';
import { originalDestination } from './sockopt.js';

/** Why the privileged tests cannot run here (or one of `tools` is not on PATH), or undefined when they can. */
export function privilegedSkipReason(tools: readonly string[] = []): string | undefined {
  if (process.platform !== 'linux') return `not Linux (${process.platform})`;
  if (process.getuid?.() !== 0) return 'not root (BPF attach and cgroup writes need it)';
  if (!cgroup2Mount()) return 'no cgroup2 mount';
  const addon = addonStatus();
  if (!addon.available) return addon.reason;
  if (!existsSync(objectPath())) return `${objectPath()} missing; run: npm run build:bpf`;
  const path = process.env.PATH?.split(':') ?? [];
  for (const tool of tools) if (!path.some((d) => existsSync(join(d, tool)))) return `${tool} not installed`;
  return undefined;
}

/** privilegedSkipReason for node:test's `skip`, printed as `# <what> skipped: <reason>` when there is one. */
export function privilegedSkip(what: string, tools: readonly string[] = []): string | undefined {
  const reason = privilegedSkipReason(tools);
  if (reason) console.log(`# ${what} skipped: ${reason}`);
  return reason;
}

export type Sandbox = ExecCgroups;

/** The exec cgroup pair (see exec.ts): this process moves into the waypoint cgroup; listen after. */
export function createSandbox(name: string): Sandbox {
  return prepareExecCgroups(name);
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs argv to completion, inside `cgroup` from its first instruction when one is given. */
export function run(
  argv: readonly string[],
  options: { cgroup?: string; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const full = options.cgroup ? cgroupExecArgv(options.cgroup, argv) : [...argv];
  return new Promise((resolve, reject) => {
    const child = spawn(full[0], full.slice(1), { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface Forwarder {
  port: number;
  /** One entry per accepted connection, in order. */
  seen: { original: OriginalDestination | undefined; peer: string }[];
  close(): Promise<void>;
}

/**
 * A stand-in waypoint: records each accepted connection's original destination (read the way the
 * real waypoint will) and pipes the bytes to `upstreamPort` on 127.0.0.1.
 */
export async function startForwarder(upstreamPort: number, host = '127.0.0.1'): Promise<Forwarder> {
  const seen: Forwarder['seen'] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    seen.push({
      original: originalDestination(client),
      peer: `${client.remoteAddress}:${client.remotePort}`,
    });
    const upstream = connect(upstreamPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A TCP port on `host` with nothing listening (bound once, then released), for a process started
 * later. Chosen below the kernel's ephemeral range: a port from listen(0) is one any connect() on
 * the machine may take as its local port before the process binds it (CI saw a node agent fail
 * with "cannot listen" that way). Here only another explicit bind can collide.
 */
export async function freePort(host: string): Promise<number> {
  const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
    .trim()
    .split(/\s+/)
    .map(Number);
  const top = Math.min((low ?? 32768) - 1, 65535);
  for (let attempt = 0; ; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * (top - 10_000));
    const s = createServer();
    const bound = await new Promise<boolean>((resolve) => {
      s.once('error', () => resolve(false));
      s.listen(port, host, () => resolve(true));
    });
    if (bound) {
      await new Promise<void>((resolve) => s.close(() => resolve()));
      return port;
    }
    if (attempt >= 100) throw new Error(`no free port on ${host} below ${top + 1} after 100 tries`);
  }
}
