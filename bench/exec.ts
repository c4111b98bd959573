// Benchmark of `semamesh exec` (root, real eBPF): startup to the command's first instruction and
// total run time of `exec -- true`, and request latency from inside the cgroup — explicit mode
// (base URL = waypoint) vs transparent plain HTTP vs transparent HTTPS (TLS terminated with the
// mesh CA) — first request and the median of fresh connections. Prints figures, asserts nothing.
// Usage: npx tsx bench/exec.ts [startups=5] [requests=50]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const startups = Number(process.argv[2] ?? 5);
const requests = Number(process.argv[3] ?? 50);
const root = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'sm-bench-exec-'));

function run(args: string[]): Promise<{ ms: number; stdout: string; stderr: string; code: number | null }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'cli/semamesh.ts', ...args], { cwd: root });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d;
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d;
  });
  return new Promise((resolve) =>
    child.on('close', (code) => resolve({ ms: performance.now() - t0, stdout, stderr, code })),
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const common = ['--ca-dir', join(work, 'ca'), '--incident-store', join(work, 'incidents.json')];

// The client inside the cgroup: one fresh connection per request, so each pays connect (+ TLS).
const client = join(root, 'node_modules', '.sm-bench-exec-client.mjs');
writeFileSync(
  client,
  `import http from 'node:http';
import https from 'node:https';
const n = ${requests};
const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] });
function once(url, extra = {}) {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https') ? https : http;
    const req = mod.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', authorization: 'Bearer k' }, ...extra }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(performance.now() - t0) : reject(new Error(url + ' ' + res.statusCode))));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const lookup = (_h, o, cb) => (o && o.all ? cb(null, [{ address: '127.0.0.2', family: 4 }]) : cb(null, '127.0.0.2', 4));
const modes = {
  explicit: () => once(process.env.SEMAMESH_WAYPOINT_URL + '/v1/chat/completions'),
  'transparent http': () => once('http://127.0.0.2/v1/chat/completions'),
  'transparent https': () => once('https://api.openai.com/v1/chat/completions', { lookup }),
};
const out = {};
// The very first request pays the waypoint's cold start (JIT, pools); measured once, then warm.
const cold = await modes['transparent http']();
out['cold (1st of run)'] = { first: cold, median: cold, p90: cold };
for (const [name, fn] of Object.entries(modes)) {
  const first = await fn();
  const rest = [];
  for (let i = 0; i < n; i++) rest.push(await fn());
  rest.sort((a, b) => a - b);
  out[name] = { first, median: rest[Math.floor(n / 2)], p90: rest[Math.floor(n * 0.9)] };
}
console.log(JSON.stringify(out));
`,
);

try {
  const version = await run(['version']);
  const totals: number[] = [];
  const toStart: number[] = [];
  for (let i = 0; i < startups; i++) {
    const r = await run(['exec', ...common, '-v', '--mock', '--no-default-hosts', '--', 'true']);
    if (r.code !== 0) throw new Error(`exec failed: ${r.stderr}`);
    totals.push(r.ms);
    const m = /started true \(pid \d+\) \(\+(\d+) ms\)/.exec(r.stderr);
    if (m) toStart.push(Number(m[1]));
  }
  console.log(`semamesh version (node + tsx start, baseline): ${version.ms.toFixed(0)} ms`);
  console.log(
    `semamesh exec -- true, total wall time:        median ${median(totals).toFixed(0)} ms (n=${startups})`,
  );
  console.log(`  in-process setup until the command starts:  median ${median(toStart)} ms`);

  const r = await run([
    'exec',
    ...common,
    '--mock',
    '--no-default-hosts',
    '--target',
    '127.0.0.2:80',
    '--hosts',
    'api.openai.com',
    '--resolve',
    'api.openai.com=127.0.0.2',
    '--',
    process.execPath,
    client,
  ]);
  if (r.code !== 0) throw new Error(`client failed: ${r.stderr}`);
  const figures = JSON.parse(r.stdout) as Record<string, { first: number; median: number; p90: number }>;
  console.log(
    `\nrequest latency from inside the cgroup (mock LLM upstream, fresh connection each, n=${requests}):`,
  );
  for (const [mode, f] of Object.entries(figures)) {
    console.log(
      `  ${mode.padEnd(18)} first ${f.first.toFixed(2).padStart(7)} ms   median ${f.median.toFixed(2).padStart(6)} ms   p90 ${f.p90.toFixed(2).padStart(6)} ms`,
    );
  }
} finally {
  rmSync(client, { force: true });
  rmSync(work, { recursive: true, force: true });
}
