// Connection setup latency and request round trip (N sequential connects, each with a small HTTP
// request) for: direct, eBPF connect4 redirect (+ getsockopt), eBPF with the sk_msg fast path, and
// iptables REDIRECT in a network namespace; prints p50/p99 in µs and the ratio to direct.
// Client and server are small C programs compiled on the fly (so the figures are the kernel's, not
// the event loop's), or Node processes with --node or without a C compiler.
// Needs root for everything but "direct". Usage: npx tsx bench/connect.ts [n=1000] [rounds=3] [--node]
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cgroupExecArgv, Interceptor, originalDestination } from '../bpf/src/index.js';
import { createSandbox, privilegedSkipReason } from '../bpf/src/test-env.js';

const root = new URL('..', import.meta.url).pathname;
const self = new URL(import.meta.url).pathname;
const REPLY =
  'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\nConnection: close\r\n\r\n{"ok":true}';

interface Summary {
  connect: { p50: number; p99: number };
  rtt: { p50: number; p99: number };
  redirected: number;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1)))];
}

/** Child role: a canned HTTP server that reads each connection's original destination, as a waypoint would. */
async function serve(): Promise<void> {
  let sockopt = true;
  const server = createServer((s) => {
    if (sockopt) {
      try {
        originalDestination(s);
      } catch {
        sockopt = false;
      }
    }
    s.once('data', () => s.end(REPLY));
    s.on('error', () => s.destroy());
  });
  server.listen(0, '127.0.0.1', () => console.log(`port=${(server.address() as AddressInfo).port}`));
}

/** Child role: N sequential connect + GET + read-to-close, timed with hrtime. */
async function client(host: string, port: number, n: number): Promise<void> {
  const connectUs: number[] = [];
  const rttUs: number[] = [];
  const one = () =>
    new Promise<[number, number]>((resolve, reject) => {
      const t0 = process.hrtime.bigint();
      let tc = 0n;
      const s = connect(port, host);
      s.once('connect', () => {
        tc = process.hrtime.bigint();
        s.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
      });
      s.on('data', () => {});
      s.once('end', () => {
        const t1 = process.hrtime.bigint();
        s.destroy();
        resolve([Number(tc - t0) / 1000, Number(t1 - t0) / 1000]);
      });
      s.once('error', reject);
    });
  for (let i = 0; i < Math.min(300, n); i++) await one();
  let redirected = 0;
  for (let i = 0; i < n; i++) {
    const [c, r] = await one();
    connectUs.push(c);
    rttUs.push(r);
    redirected++;
  }
  connectUs.sort((a, b) => a - b);
  rttUs.sort((a, b) => a - b);
  const out: Summary = {
    connect: { p50: pct(connectUs, 0.5), p99: pct(connectUs, 0.99) },
    rtt: { p50: pct(rttUs, 0.5), p99: pct(rttUs, 0.99) },
    redirected,
  };
  console.log(JSON.stringify(out));
}

// The same two roles in C: the server asks getsockopt(SO_ORIGINAL_DST) per connection like a
// waypoint; the client prints the JSON summary the Node client prints.
const C_COMMON = `#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
`;
const C_SERVER = `${C_COMMON}
int main(void) {
  static const char reply[] = ${JSON.stringify(REPLY)};
  int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
  if (bind(ls, (void *)&a, sizeof a) || listen(ls, 512)) { perror("listen"); return 1; }
  socklen_t al = sizeof a;
  getsockname(ls, (void *)&a, &al);
  printf("port=%d\\n", ntohs(a.sin_port));
  fflush(stdout);
  char buf[4096];
  for (;;) {
    int c = accept(ls, 0, 0);
    if (c < 0) continue;
    unsigned char od[28];
    socklen_t odl = sizeof od;
    getsockopt(c, SOL_IP, 80, od, &odl);
    if (read(c, buf, sizeof buf) > 0) { ssize_t w = write(c, reply, sizeof reply - 1); (void)w; }
    close(c);
  }
}
`;
const C_CLIENT = `${C_COMMON}
static double now_us(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e6 + t.tv_nsec / 1e3; }
static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return x < y ? -1 : x > y; }
static double pct(double *v, int n, double p) { int i = (int)(p * (n - 1)); return v[i < n ? i : n - 1]; }
int main(int argc, char **argv) {
  const char *host = argv[1]; int port = atoi(argv[2]), n = atoi(argv[3]), warm = n < 300 ? n : 300;
  double *conn = calloc(n, sizeof(double)), *rtt = calloc(n, sizeof(double));
  static const char req[] = "GET / HTTP/1.1\\r\\nHost: bench\\r\\n\\r\\n";
  char buf[4096];
  for (int i = -warm; i < n; i++) {
    int v6 = strchr(host, ':') != 0;
    int s = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
    struct sockaddr_storage ss = {0}; socklen_t sl;
    if (v6) { struct sockaddr_in6 *a = (void *)&ss; a->sin6_family = AF_INET6; a->sin6_port = htons(port); inet_pton(AF_INET6, host, &a->sin6_addr); sl = sizeof *a; }
    else { struct sockaddr_in *a = (void *)&ss; a->sin_family = AF_INET; a->sin_port = htons(port); inet_pton(AF_INET, host, &a->sin_addr); sl = sizeof *a; }
    double t0 = now_us();
    if (connect(s, (void *)&ss, sl)) { perror("connect"); return 1; }
    double t1 = now_us();
    if (write(s, req, sizeof req - 1) < 0) { perror("write"); return 1; }
    while (read(s, buf, sizeof buf) > 0) {}
    double t2 = now_us();
    close(s);
    if (i >= 0) { conn[i] = t1 - t0; rtt[i] = t2 - t0; }
  }
  qsort(conn, n, sizeof(double), cmp); qsort(rtt, n, sizeof(double), cmp);
  printf("{\\"connect\\":{\\"p50\\":%.2f,\\"p99\\":%.2f},\\"rtt\\":{\\"p50\\":%.2f,\\"p99\\":%.2f},\\"redirected\\":%d}\\n",
    pct(conn, n, .5), pct(conn, n, .99), pct(rtt, n, .5), pct(rtt, n, .99), n);
  return 0;
}
`;

/** Compiles the C roles; undefined (Node roles are used) when there is no compiler or --node was given. */
function buildNative(): { dir: string; server: string[]; client: string[] } | undefined {
  if (process.argv.includes('--node')) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'sm-bench-connect-'));
  for (const [name, src] of [
    ['server', C_SERVER],
    ['client', C_CLIENT],
  ]) {
    writeFileSync(join(dir, `${name}.c`), src);
    const r = spawnSync(process.env.CC ?? 'cc', ['-O2', '-o', join(dir, name), join(dir, `${name}.c`)], {
      encoding: 'utf8',
    });
    if (r.status !== 0) {
      console.log(`C roles unavailable (${r.error?.message ?? r.stderr.trim()}); using Node`);
      rmSync(dir, { recursive: true, force: true });
      return undefined;
    }
  }
  return { dir, server: [join(dir, 'server')], client: [join(dir, 'client')] };
}

const native = buildNative();
const tsx = [process.execPath, '--import', 'tsx', self];
const serverArgv = native?.server ?? [...tsx, '--role', 'server'];
const clientArgv = native?.client ?? [...tsx, '--role', 'client'];

function startServer(prefix: string[] = []): Promise<{ port: number; child: ChildProcess }> {
  const argv = [...prefix, ...serverArgv];
  const child = spawn(argv[0], argv.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /port=(\d+)/.exec(out);
      if (m) resolve({ port: Number(m[1]), child });
    });
    child.once('exit', (code) => reject(new Error(`bench server exited (${code})`)));
  });
}

async function runClient(host: string, port: number, n: number, prefix: string[] = []): Promise<Summary> {
  const argv = [...prefix, ...clientArgv, host, String(port), String(n)];
  const child = spawn(argv[0], argv.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`bench client failed (${code}): ${out}`);
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

function sh(argv: string[]): void {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr || r.error}`);
}

function report(rows: [string, Summary][]): void {
  const base = rows[0][1];
  const f = (v: number) => v.toFixed(0).padStart(7);
  const r = (v: number, b: number) => `${(v / b).toFixed(2)}x`.padStart(7);
  console.log(
    `\n${'mode'.padEnd(30)} ${'conn p50'.padStart(8)} ${'p99'.padStart(7)} ${'ratio'.padStart(7)}  ${'rtt p50'.padStart(7)} ${'p99'.padStart(7)} ${'ratio'.padStart(7)}   (µs)`,
  );
  for (const [name, s] of rows) {
    console.log(
      `${name.padEnd(30)} ${f(s.connect.p50).padStart(8)} ${f(s.connect.p99)} ${r(s.connect.p50, base.connect.p50)}  ${f(s.rtt.p50)} ${f(s.rtt.p99)} ${r(s.rtt.p50, base.rtt.p50)}`,
    );
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

/** Median over rounds of each percentile: modes run interleaved, so drift hits all of them alike. */
function combine(runs: Summary[]): Summary {
  return {
    connect: { p50: median(runs.map((r) => r.connect.p50)), p99: median(runs.map((r) => r.connect.p99)) },
    rtt: { p50: median(runs.map((r) => r.rtt.p50)), p99: median(runs.map((r) => r.rtt.p99)) },
    redirected: runs.reduce((a, r) => a + r.redirected, 0),
  };
}

type Mode = { name: string; run: () => Promise<Summary> };

async function main(n: number, rounds: number): Promise<void> {
  const modes: Mode[] = [];
  const skip = privilegedSkipReason();
  const servers: ChildProcess[] = [];
  const ns = `semamesh-bench-${process.pid}`;
  const sandbox = skip ? undefined : createSandbox(`semamesh-bench-${process.pid}`);
  const counters = new Map<string, string>();
  try {
    const s = await startServer();
    servers.push(s.child);
    modes.push({ name: 'direct 127.0.0.1', run: () => runClient('127.0.0.1', s.port, n) });
    if (sandbox) {
      for (const skMsg of [false, true]) {
        const name = skMsg ? 'eBPF redirect + sk_msg' : 'eBPF redirect (+getsockopt)';
        modes.push({
          name,
          run: async () => {
            const ic = new Interceptor();
            await ic.attach({
              cgroupPath: sandbox.agent,
              waypointCgroupPath: sandbox.waypoint,
              waypoint: { ip: '127.0.0.1', port: s.port },
              targets: [{ ip: '127.0.0.2', port: 8443 }],
              hosts: [],
              skMsg,
            });
            try {
              const res = await runClient('127.0.0.2', 8443, n, cgroupExecArgv(sandbox.agent, []));
              const st = ic.stats();
              counters.set(
                name,
                `redirected=${st.redirected} sockopt hits=${st.sockoptHit} sk_msg redirects=${st.skmsgRedirect}`,
              );
              return res;
            } finally {
              await ic.detach();
            }
          },
        });
      }
      if (spawnSync('iptables', ['-V']).status !== 0) {
        console.log('iptables mode skipped: iptables not installed (apt-get install -y iptables)');
      } else {
        sh(['ip', 'netns', 'add', ns]);
        sh(['ip', 'netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
        const inNs = ['ip', 'netns', 'exec', ns];
        const ns1 = await startServer(inNs);
        servers.push(ns1.child);
        const rule = [
          '-p',
          'tcp',
          '-d',
          '127.0.0.2',
          '--dport',
          '8443',
          '-j',
          'REDIRECT',
          '--to-ports',
          String(ns1.port),
        ];
        sh([...inNs, 'iptables', '-t', 'nat', '-A', 'OUTPUT', ...rule]);
        modes.push({ name: 'direct in netns', run: () => runClient('127.0.0.1', ns1.port, n, inNs) });
        modes.push({ name: 'iptables REDIRECT in netns', run: () => runClient('127.0.0.2', 8443, n, inNs) });
      }
    }
    const results = new Map<string, Summary[]>(modes.map((m) => [m.name, []]));
    for (let round = 0; round < rounds; round++)
      for (const m of modes) results.get(m.name)!.push(await m.run());
    report(modes.map((m) => [m.name, combine(results.get(m.name)!)]));
    for (const [name, c] of counters) console.log(`${name} (last round): ${c}`);
    console.log(
      `\n${n} sequential connects per mode and round after 300 warm-up, ${rounds} interleaved rounds (median of each` +
        ` percentile); client and server are separate ${native ? 'C' : 'Node'} processes.`,
    );
    if (skip) console.log(`eBPF and iptables modes skipped: ${skip}`);
  } finally {
    for (const c of servers) c.kill();
    if (native) rmSync(native.dir, { recursive: true, force: true });
    if (sandbox) {
      spawnSync('ip', ['netns', 'del', ns]);
      await new Promise((r) => setTimeout(r, 100));
      sandbox.cleanup();
    }
  }
}

const args = process.argv.slice(2);
const role = args[0] === '--role' ? args[1] : 'main';
if (role === 'server') await serve();
else if (role === 'client') await client(args[2], Number(args[3]), Number(args[4]));
else {
  const nums = args.filter((a) => !a.startsWith('--'));
  await main(Number(nums[0] ?? 1000), Number(nums[1] ?? 3));
}
