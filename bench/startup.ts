// Start-up of the built CLI (issue 18: first request served ≤ 300 ms, ≤ 150 MB per event loop):
// for `semamesh waypoint --workers 1`, `semamesh up --workers 1` and `up --workers 2`, of this
// checkout and of a baseline in the same run, the wall time from spawn to the first chat completion
// served, the CPU time the process tree spent by then, and the RSS of each process once it serves.
// What runs is the bin as `npm run build` leaves it (dist/cli/semamesh.js: the bundled CLI).
// Every command runs `runs` times, alternating head and baseline; head twice, with the code cache
// its build ships and with one a first start wrote (scripts/bundle-loader.mjs). Then memory
// (bench/startup-memory.ts): each checkout's `waypoint --workers 1` after 10 s of 1 KB chats at 1,000 req/s and after 500
// requests of the 200-message (~400 KB) conversation (MEMORY=0 skips it; MEMORY_NODE_OPTIONS adds a
// row of this checkout run with those Node options, e.g. --max-semi-space-size=8).
// The baseline is a revision (checked out in a temporary git worktree and built here) or the path
// of a checkout already built with `npm run build` (e.g. `git worktree add /tmp/base main`, its
// node_modules a symlink to this one's): that one is used as it is.
// Usage: npx tsx bench/startup.ts [baseline-rev-or-checkout=main] [runs=3]
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type MemorySample, measureMemory } from './startup-memory.js';

const root = new URL('..', import.meta.url).pathname;
const [baseRev = 'main', runsArg = '3'] = process.argv.slice(2);
const runs = Number(runsArg);
const work = mkdtempSync(join(tmpdir(), 'semamesh-startup-'));
/** A built checkout given as the baseline is used as it is; a revision is checked out and built. */
const given = existsSync(join(baseRev, 'dist', 'cli', 'semamesh.js')) ? resolve(baseRev) : undefined;
const baseDir = given ?? join(work, 'base');
const TICK = 100; // USER_HZ of /proc/<pid>/stat

/** The pids of a process and its descendants (from /proc/<pid>/task/<tid>/children). */
function tree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    const p = out[i]!;
    try {
      for (const t of readdirSync(`/proc/${p}/task`)) {
        const kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim();
        if (kids) out.push(...kids.split(/\s+/).map(Number));
      }
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** User + system CPU seconds of a process (its reaped children are in cutime/cstime). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICK;
}

const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Say hello.' }] });

interface Sample {
  ms: number;
  cpu: number;
  rss: number[];
}

async function measure(
  dir: string,
  command: 'up' | 'waypoint',
  workers: number,
  port: number,
  env: NodeJS.ProcessEnv = {},
  liveMs = 300,
): Promise<Sample> {
  const admin = port + 1;
  const mock = 'http://127.0.0.1:' + (port + 2);
  const args =
    command === 'up'
      ? [
          'up',
          '--workers',
          String(workers),
          '--upstream',
          `openai=${mock}`,
          '--console-port',
          String(port + 3),
        ]
      : [
          'waypoint',
          '--workers',
          '1',
          '--openai',
          mock,
          '--policies',
          join(dir, 'examples', 'sample-policy.yaml'),
        ];
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    ['dist/cli/semamesh.js', ...args, '--port', String(port), '--admin-port', String(admin)],
    {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, SEMAMESH_INCIDENTS: join(work, `inc-${port}.json`), ...env },
    },
  );
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${command} in ${dir} exited: ${stderr}`);
      if (performance.now() - t0 > 60_000)
        throw new Error(`${command} in ${dir} did not serve in 60 s: ${stderr}`);
      const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
        body,
      }).catch(() => undefined);
      // Any answer from the waypoint (the upstream is down: 502) means a request was served.
      if (res) {
        await res.arrayBuffer();
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    const ms = performance.now() - t0;
    const pids = tree(child.pid!);
    const cpu = pids.reduce((s, p) => s + cpuSeconds(p), 0);
    await new Promise((r) => setTimeout(r, liveMs));
    return { ms, cpu, rss: pids.map(rssMb) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('close', r));
  }
}

/** `npm run build`, the revision's own build steps (tsc, assets, and from issue 18 on the bundle). */
function build(dir: string) {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
}

try {
  if (!given) {
    execFileSync('git', ['worktree', 'add', '--detach', '-q', baseDir, baseRev], { cwd: root });
    symlinkSync(join(root, 'node_modules'), join(baseDir, 'node_modules'));
  }
  console.error(`… building this checkout${given ? '' : ` and ${baseRev}`} (npm run build)`);
  build(root);
  if (!given) build(baseDir);
  // The bundled CLI's code cache (scripts/bundle-loader.mjs): `head` starts with only the one the
  // build ships (a fresh container: an empty cache folder), `head trained` with the one a first start
  // that ran for 4 s wrote. Node 20 leaves a baseline without such a cache unaffected.
  const fresh = join(work, 'code-cache-fresh');
  const trained = join(work, 'code-cache-trained');
  const checkouts = [
    { name: 'head', dir: root, env: { NODE_COMPILE_CACHE: fresh } },
    { name: 'head trained', dir: root, env: { NODE_COMPILE_CACHE: trained } },
    { name: `base ${given ? 'checkout' : baseRev}`, dir: baseDir, env: { NODE_COMPILE_CACHE: fresh } },
  ];
  const port = 19400 + (process.pid % 400) * 10;
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
  const loadBefore = load();
  const lines: string[] = [];
  const cases = [
    ['waypoint', 1],
    ['up', 1],
    ['up', 2],
  ] as const;
  for (const [command, workers] of cases) {
    await measure(root, command, workers, port, { NODE_COMPILE_CACHE: trained }, 4000);
    const samples = new Map<string, Sample[]>();
    for (let r = 0; r < runs; r++)
      for (const c of checkouts) {
        const s = await measure(c.dir, command, workers, port, c.env);
        samples.set(c.name, [...(samples.get(c.name) ?? []), s]);
      }
    for (const c of checkouts) {
      const ss = samples.get(c.name)!;
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const rss = ss[ss.length - 1]!.rss.map((x) => x.toFixed(0)).join(' + ');
      lines.push(
        `${`${command} --workers ${workers}`.padEnd(22)} ${c.name.padEnd(14)} first request ${median(
          ss.map((s) => s.ms),
        )
          .toFixed(0)
          .padStart(5)} ms` +
          `  CPU ${median(ss.map((s) => s.cpu)).toFixed(2)} s  RSS ${rss} MB (primary + workers)`,
      );
    }
  }
  if (process.env.MEMORY !== '0') {
    const mem = new Map<string, MemorySample>();
    const options = process.env.MEMORY_NODE_OPTIONS;
    const rows = [
      ...checkouts.filter((c) => c.name !== 'head trained').map((c) => ({ ...c, options: '' })),
      ...(options ? [{ name: `head ${options}`, dir: root, options }] : []),
    ];
    for (const c of rows) mem.set(c.name, await measureMemory(c.dir, port, 10, 500, c.options));
    const mb = (x: number) => x.toFixed(0).padStart(4);
    for (const c of rows) {
      const { paced: p, conversation: v, errors } = mem.get(c.name)!;
      lines.push(
        `${'waypoint memory'.padEnd(22)} ${c.name.padEnd(14)} 1 KB at ${p.rate.toFixed(0)} req/s: ${p.cpuUs.toFixed(0)} µs CPU/req RSS ${mb(p.rss)} MB heap ${mb(p.heapUsed)}/${mb(p.heapTotal)} MB ${p.threads} threads;` +
          ` after 500 × 400 KB: ${v.cpuUs.toFixed(0)} µs CPU/req RSS ${mb(v.rss)} MB heap ${mb(v.heapUsed)}/${mb(v.heapTotal)} MB ${v.threads} threads` +
          (Object.keys(errors).length ? `  non-200: ${JSON.stringify(errors)}` : ''),
      );
    }
    const [h, b] = rows.map((c) => mem.get(c.name)!);
    lines.push(
      `${'RSS ratio head/base'.padEnd(37)} paced ${(h!.paced.rss / b!.paced.rss).toFixed(2)}, conversation ${(h!.conversation.rss / b!.conversation.rss).toFixed(2)}`,
    );
  }
  // Timings under load are upper bounds: the load average says how busy the machine was.
  lines.push(`load average (1, 5, 15 min): ${loadBefore} before the runs, ${load()} after`);
  console.log(lines.join('\n'));
} finally {
  if (!given) execFileSync('git', ['worktree', 'remove', '--force', baseDir], { cwd: root, stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
}
