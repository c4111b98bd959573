// Latency the waypoint adds, with the sample SemaPolicy compiled to wasm as its engine: 1 KB chat
// completions go straight to the mock LLM, through a plain undici proxy, and through the waypoint
// (each server in its own process) — one at a time, at a fixed 1,000 req/s (open loop), and at
// maximum throughput (autocannon); prints p50/p90/p99, the added latency and req/s side by side.
// Usage: npx tsx bench/waypoint.ts [seconds=10] [connections=32]
// (internal: `bench/waypoint.ts --role proxy|waypoint <upstream>` runs one server and prints its URL)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { Pool } from 'undici';

const root = new URL('..', import.meta.url).pathname;
const argv = process.argv.slice(2);

if (argv[0] === '--role') {
  await runRole(argv[1], argv[2]);
} else {
  await main(Number(argv[0] ?? 10), Number(argv[1] ?? 32));
}

async function runRole(role: string | undefined, upstream: string | undefined): Promise<void> {
  // Exit normally on a signal so `--cpu-prof` can write its profile.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(0));
  if (!upstream) throw new Error('usage: --role proxy|waypoint <upstream-url>');
  if (role === 'proxy') {
    // The floor for any Node proxy: forward bytes over a keep-alive pool, nothing else.
    const pool = new Pool(upstream, { connections: 128 });
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const { host: _h, connection: _c, 'content-length': _l, ...headers } = req.headers;
      const up = await pool.request({
        method: req.method as 'POST',
        path: req.url ?? '/',
        headers: headers as Record<string, string>,
        body: Buffer.concat(chunks),
      });
      const { connection: _uc, 'keep-alive': _ka, 'transfer-encoding': _te, ...rh } = up.headers;
      res.writeHead(up.statusCode, rh);
      for await (const c of up.body) res.write(c);
      res.end();
    });
    server.listen(0, '127.0.0.1', () =>
      console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    );
    return;
  }
  if (role === 'waypoint') {
    const { createWaypoint } = await import('../waypoint/server.js');
    const { loadWasmEngine } = await import('../waypoint/policy/wasm-engine.js');
    const { compileResources } = await import('../engine/index.js');
    const { parse } = await import('yaml');
    // The real policy path: the sample SemaPolicy compiled to wasm and evaluated in opa-wasm.
    const policy = parse(readFileSync(new URL('../examples/sample-policy.yaml', import.meta.url), 'utf8'));
    const compiled = compileResources({ policies: [policy] }, { revision: 'bench', tenancy: 'single' });
    if (!compiled.bundle) throw new Error('the sample policy did not compile');
    const wp = await createWaypoint({
      routes: [{ provider: 'openai', upstream }],
      logger: false,
      auditStream: createWriteStream('/dev/null'),
      engine: await loadWasmEngine(compiled.bundle),
    });
    const { url } = await wp.listen();
    console.log(`listening on ${url}`);
    return;
  }
  throw new Error(`unknown role ${role}`);
}

interface Child {
  url: string;
  stop(): Promise<void>;
}

async function start(args: string[]): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited early (${code})`)));
  });
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

interface Result {
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  errors: number;
}

async function load(
  url: string,
  body: (i: number) => string,
  seconds: number,
  connections: number,
): Promise<Result> {
  let i = 0;
  const r = await autocannon({
    url: `${url}/v1/chat/completions`,
    method: 'POST',
    headers: { authorization: 'Bearer sk-bench', 'content-type': 'application/json' },
    requests: [{ setupRequest: (req) => ({ ...req, body: body(i++) }) }],
    connections,
    duration: seconds,
  });
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx,
  };
}

/**
 * Open-loop load at a fixed rate: requests start on schedule (in 2 ms batches) whether or not earlier
 * ones finished, so queueing in the server shows up in the latencies (autocannon's rate limiter
 * sends in bursts, which swamps sub-millisecond differences).
 */
async function paced(
  url: string,
  body: (i: number) => string,
  rate: number,
  seconds: number,
): Promise<Result> {
  const pool = new Pool(url, { connections: 64 });
  const lat: number[] = [];
  const inflight: Promise<void>[] = [];
  let errors = 0;
  let sent = 0;
  const total = rate * seconds;
  const t0 = performance.now();
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
    for (; sent < due; sent++) {
      const i = sent;
      const t = performance.now();
      inflight.push(
        pool
          .request({
            method: 'POST',
            path: '/v1/chat/completions',
            headers: { authorization: 'Bearer sk-bench', 'content-type': 'application/json' },
            body: body(i),
          })
          .then(async (res) => {
            await res.body.arrayBuffer();
            if (res.statusCode !== 200) errors++;
            lat.push(performance.now() - t);
          }),
      );
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(inflight);
  const secs = (performance.now() - t0) / 1000;
  await pool.close();
  lat.sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  return { rps: lat.length / secs, p50: pct(0.5), p90: pct(0.9), p99: pct(0.99), errors };
}

/** One request at a time with a microsecond timer: the latency a single agent sees. */
async function sequential(url: string, body: (i: number) => string, n: number): Promise<Result> {
  const pool = new Pool(url, { connections: 1 });
  const lat: number[] = [];
  let errors = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const res = await pool.request({
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { authorization: 'Bearer sk-bench', 'content-type': 'application/json' },
      body: body(i),
    });
    await res.body.arrayBuffer();
    if (res.statusCode !== 200) errors++;
    lat.push(performance.now() - t);
  }
  const secs = (performance.now() - t0) / 1000;
  await pool.close();
  lat.sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  return { rps: n / secs, p50: pct(0.5), p90: pct(0.9), p99: pct(0.99), errors };
}

async function main(seconds: number, connections: number): Promise<void> {
  // A 1 KB request: a short system prompt and a user prompt, the size of a typical agent turn.
  const make = (prefix: string, stream = false) =>
    JSON.stringify({
      model: 'gpt-4o',
      stream,
      messages: [
        {
          role: 'system',
          content: 'You are an operations assistant for a Kubernetes platform team. Answer briefly.',
        },
        {
          role: 'user',
          content: `${prefix}${'Summarize the state of the cluster and list the namespaces that look unused. '.repeat(11)}`,
        },
      ],
    });
  const same = make('');
  const body = () => same;
  // Every prompt differs: no memo (tokens, intents) helps, the full per-request cost shows.
  const unique = (i: number) => make(`Request ${i}. `);
  // Streamed reply (~20 SSE chunks): the waypoint parses every event and adds include_usage upstream.
  const streamedBody = make('', true);
  const streamed = () => streamedBody;
  console.log(
    `waypoint bench: ${Buffer.byteLength(same)} B chat requests, ${seconds} s per run, Node ${process.version}`,
  );
  const mock = await start(['cli/semamesh.ts', 'mock-llm', '--port', '0', '--tokenizer', 'approx']);
  const proxy = await start(['bench/waypoint.ts', '--role', 'proxy', mock.url]);
  const wp = await start(['bench/waypoint.ts', '--role', 'waypoint', mock.url]);
  const targets: [string, string][] = [
    ['direct (mock)', mock.url],
    ['undici proxy', proxy.url],
    ['waypoint', wp.url],
  ];
  try {
    for (const [, url] of targets) {
      await load(url, unique, 2, connections); // warm-up: JIT, pools, memo
      await sequential(url, unique, 500);
    }
    const header = () =>
      console.log(
        `  ${'target'.padEnd(14)} ${'req/s'.padStart(8)} ${'p50'.padStart(7)} ${'p90'.padStart(7)} ${'p99'.padStart(7)}   added p50 / p99   errors`,
      );
    const row = (name: string, r: Result, base: Result) => {
      const added =
        name === targets[0][0]
          ? ''
          : `${(r.p50 - base.p50).toFixed(2)} / ${(r.p99 - base.p99).toFixed(2)} ms`;
      console.log(
        `  ${name.padEnd(14)} ${r.rps.toFixed(0).padStart(8)} ${r.p50.toFixed(2).padStart(7)} ${r.p90.toFixed(2).padStart(7)} ${r.p99.toFixed(2).padStart(7)}   ${added.padEnd(17)} ${r.errors}`,
      );
    };
    for (const [label, gen] of [
      ['sequential, same prompt (1 connection, 2000 requests, µs timer)', body],
      ['sequential, unique prompts', unique],
      ['sequential, streamed reply', streamed],
    ] as const) {
      console.log(`\n${label}`);
      header();
      let base: Result | undefined;
      for (const [name, url] of targets) {
        const r = await sequential(url, gen, 2000);
        base ??= r;
        row(name, r, base);
      }
    }
    for (const [label, gen] of [
      ['fixed 1000 req/s open loop, same prompt (µs timer)', body],
      ['fixed 1000 req/s open loop, unique prompts', unique],
    ] as const) {
      console.log(`\n${label}`);
      header();
      let base: Result | undefined;
      for (const [name, url] of targets) {
        const r = await paced(url, gen, 1000, seconds);
        base ??= r;
        row(name, r, base);
      }
    }
    for (const [label, gen] of [
      [`max throughput, same prompt (autocannon, ${connections} connections)`, body],
      [`max throughput, unique prompts (autocannon, ${connections} connections)`, unique],
      [`max throughput, streamed replies (autocannon, ${connections} connections)`, streamed],
    ] as const) {
      console.log(`\n${label}`);
      header();
      let base: Result | undefined;
      for (const [name, url] of targets) {
        const r = await load(url, gen, seconds, connections);
        base ??= r;
        row(name, r, base);
      }
    }
    console.log('\nlatencies in ms; autocannon rows have 1 ms resolution at the low end');
  } finally {
    await Promise.allSettled([wp.stop(), proxy.stop(), mock.stop()]);
  }
}
