// The memory half of bench/startup.ts (issue 18: RSS ≤ 150 MB per event loop at 1,000 req/s): a
// `semamesh waypoint --workers 1` of a built checkout, its upstream a local server answering a canned
// completion, measured after 1 KB chats paced at 1,000 req/s (10 connections, one request each per
// 10 ms) and again after requests of bench/waypoint-wrk.sh's 200-message (~400 KB) conversation,
// its last message new each time: RSS, V8 heap used / committed (the waypoint's own /metrics) and
// how many threads the process has (an analysis worker is one).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { Pool } from 'undici';
import { conversationHistory } from './conversation.js';

const REPLY = JSON.stringify({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o',
  choices: [{ index: 0, message: { role: 'assistant', content: 'A short answer.' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 250, completion_tokens: 4, total_tokens: 254 },
});

const FILLER = 'Summarise the quarterly report for the operations team in plain words. '.repeat(13);
const CHAT = JSON.stringify({
  model: 'gpt-4o',
  max_tokens: 64,
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: FILLER },
  ],
});

export interface MemorySample {
  /** After the paced 1 KB chats: RSS MB, heap used / committed MB, the rate reached, threads. */
  paced: {
    rss: number;
    heapUsed: number;
    heapTotal: number;
    rate: number;
    threads: number;
    /** CPU µs the waypoint spent per request of the paced run (GC included). */
    cpuUs: number;
  };
  /** The same after the conversation's requests, and the CPU µs the waypoint spent per request of it. */
  conversation: { rss: number; heapUsed: number; heapTotal: number; threads: number; cpuUs: number };
  /** Answers other than 200, by status (a broken run shows here). */
  errors: Record<string, number>;
}

const rssOf = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** User + system CPU seconds of a process. */
function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function heapOf(admin: string): Promise<{ heapUsed: number; heapTotal: number }> {
  const text = await (await fetch(`${admin}/metrics`)).text();
  const mb = (name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN) / 2 ** 20;
  return { heapUsed: mb('nodejs_heap_size_used_bytes'), heapTotal: mb('nodejs_heap_size_total_bytes') };
}

export async function measureMemory(
  dir: string,
  port: number,
  pacedSeconds: number,
  conversationRequests: number,
  nodeOptions = '',
): Promise<MemorySample> {
  const upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(REPLY));
  });
  await new Promise<void>((r) => upstream.listen(port + 2, '127.0.0.1', r));
  const child = spawn(
    process.execPath,
    [
      'dist/cli/semamesh.js',
      'waypoint',
      '--workers',
      '1',
      '--openai',
      `http://127.0.0.1:${port + 2}`,
      '--policies',
      join(dir, 'examples', 'sample-policy.yaml'),
      '--port',
      String(port),
      '--admin-port',
      String(port + 1),
    ],
    { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, NODE_OPTIONS: nodeOptions } },
  );
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 10 });
  const errors: Record<string, number> = {};
  const post = async (body: string) => {
    const res = await pool.request({
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-bench' },
      body,
    });
    await res.body.dump();
    if (res.statusCode !== 200) errors[res.statusCode] = (errors[res.statusCode] ?? 0) + 1;
  };
  const admin = `http://127.0.0.1:${port + 1}`;
  const threads = () => readdirSync(`/proc/${child.pid}/task`).length;
  try {
    const t0 = performance.now();
    for (;;) {
      if (child.exitCode !== null) throw new Error(`waypoint in ${dir} exited`);
      if (performance.now() - t0 > 60_000) throw new Error(`waypoint in ${dir} did not serve in 60 s`);
      if (
        await post(CHAT).then(
          () => true,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 20));
    }
    let sent = 0;
    const cpu0 = cpuOf(child.pid!);
    const start = performance.now();
    const end = start + pacedSeconds * 1000;
    await Promise.all(
      Array.from({ length: 10 }, async (_, c) => {
        for (let next = start + c; next < end; next += 10) {
          const wait = next - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          await post(CHAT);
          sent++;
        }
      }),
    );
    const rate = sent / ((performance.now() - start) / 1000);
    const cpuUs = ((cpuOf(child.pid!) - cpu0) / sent) * 1e6;
    const paced = { rss: rssOf(child.pid!), ...(await heapOf(admin)), rate, threads: threads(), cpuUs };
    const msgs = conversationHistory();
    const convCpu0 = cpuOf(child.pid!);
    for (let i = 0; i < conversationRequests; i++)
      await post(
        JSON.stringify({
          model: 'gpt-4o',
          max_tokens: 64,
          messages: [...msgs, { role: 'user', content: `Question ${i}: what changed in week ${i % 52}?` }],
        }),
      );
    const convCpuUs = ((cpuOf(child.pid!) - convCpu0) / conversationRequests) * 1e6;
    const conv = { rss: rssOf(child.pid!), ...(await heapOf(admin)), threads: threads(), cpuUs: convCpuUs };
    return { paced, conversation: conv, errors };
  } finally {
    await pool.close();
    child.kill('SIGTERM');
    await new Promise((r) => child.once('close', r));
    await new Promise((r) => upstream.close(r));
  }
}
