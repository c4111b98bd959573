// Throughput of the mock LLM (run as `semamesh mock-llm` in its own process) for plain and streamed
// chat completions and Anthropic messages, against a bare node:http server sending a canned reply of
// the same size as the baseline; prints requests/s and latency percentiles, no pass/fail.
// Usage: npx tsx bench/mock-llm.ts [requests=5000] [concurrency=32]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Pool } from 'undici';

const total = Number(process.argv[2] ?? 5000);
const concurrency = Number(process.argv[3] ?? 32);
const root = new URL('..', import.meta.url).pathname;

async function startMock(
  tokenizer: string,
): Promise<{ url: string; stop: () => Promise<void>; startMs: number }> {
  const t0 = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'cli/semamesh.ts', 'mock-llm', '--port', '0', '--tokenizer', tokenizer],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', () => reject(new Error('mock exited early')));
  });
  const startMs = performance.now() - t0;
  return {
    url,
    startMs,
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

interface Case {
  name: string;
  path: string;
  headers: Record<string, string>;
  body: (i: number) => string;
}

const prompt = 'Summarize the state of the cluster and list the namespaces that look unused. '.repeat(4);
const openaiHeaders = { authorization: 'Bearer sk-bench', 'content-type': 'application/json' };
const anthropicHeaders = {
  'x-api-key': 'sk-bench',
  'anthropic-version': '2023-06-01',
  'content-type': 'application/json',
};
const cases: Case[] = [
  {
    name: 'chat plain',
    path: '/v1/chat/completions',
    headers: openaiHeaders,
    body: () => JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: prompt }] }),
  },
  {
    // Every prompt differs, so the token memo misses and the tokenizer runs on each request.
    name: 'chat plain, unique',
    path: '/v1/chat/completions',
    headers: openaiHeaders,
    body: (i) => JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: `${i} ${prompt}` }] }),
  },
  {
    name: 'chat stream+usage',
    path: '/v1/chat/completions',
    headers: openaiHeaders,
    body: () =>
      JSON.stringify({
        model: 'gpt-4o',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: prompt }],
      }),
  },
  {
    name: 'anthropic stream',
    path: '/v1/messages',
    headers: anthropicHeaders,
    body: () =>
      JSON.stringify({
        model: 'claude-sonnet-4-5',
        max_tokens: 256,
        stream: true,
        messages: [{ role: 'user', content: prompt }],
      }),
  },
];

async function runCase(pool: Pool, c: Case): Promise<{ rps: number; p50: number; p99: number }> {
  const lat: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const t = performance.now();
      const res = await pool.request({ method: 'POST', path: c.path, headers: c.headers, body: c.body(i) });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`${c.name}: status ${res.statusCode}`);
      lat.push(performance.now() - t);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  return { rps: lat.length / secs, p50: pct(0.5), p99: pct(0.99) };
}

/** The floor: a bare node:http server in its own process answering every request with one canned body. */
async function startBaseline(reply: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const code = `const http = require('node:http');
const body = ${JSON.stringify(reply)};
const s = http.createServer((req, res) => { req.resume(); req.on('end', () => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body); }); });
s.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + s.address().port));
process.on('SIGTERM', () => process.exit(0));`;
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      const m = /listening on (http:\/\/\S+)/.exec(d);
      if (m) resolve(m[1]);
    });
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

function report(name: string, r: { rps: number; p50: number; p99: number }): void {
  console.log(
    `  ${name.padEnd(20)} ${r.rps.toFixed(0).padStart(7)} req/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms`,
  );
}

console.log(`mock-llm bench: ${total} requests per case, concurrency ${concurrency}`);
{
  // The baseline answers with a chat completion the mock produced, so both send the same bytes.
  const mock = await startMock('approx');
  const first = await fetch(`${mock.url}/v1/chat/completions`, {
    method: 'POST',
    headers: openaiHeaders,
    body: cases[0].body(0),
  }).then((r) => r.text());
  await mock.stop();
  const base = await startBaseline(first);
  const pool = new Pool(base.url, { connections: concurrency });
  try {
    await runCase(pool, cases[0]);
    report('baseline node:http', await runCase(pool, cases[0]));
  } finally {
    await pool.close();
    await base.stop();
  }
}
for (const tokenizer of ['o200k', 'approx']) {
  const mock = await startMock(tokenizer);
  console.log(`tokenizer ${tokenizer}: process start to listening ${mock.startMs.toFixed(0)} ms`);
  const pool = new Pool(mock.url, { connections: concurrency });
  try {
    for (const c of cases) {
      await runCase(pool, c); // warm-up pass: JIT and the token memo
      report(c.name, await runCase(pool, c));
    }
  } finally {
    await pool.close();
    await mock.stop();
  }
}
