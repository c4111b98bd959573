// Bundle service figures: fetch latency for 200 (full bundle) and 304 (unchanged) against a bare
// node:http server sending the same bytes, long-poll wake-up latency for 100 held requests after a
// publish, sign/verify cost, and 100 BundlePollers seeing one publish. Prints figures, no pass/fail.
// Usage: npx tsx bench/bundle-server.ts [requests=2000] [wasmKiB=400] [rounds=20]
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import {
  BundlePoller,
  BundleServer,
  type SigningKey,
  signBundle,
  type VerificationKey,
  verifyBundle,
} from '../controller/bundle-server/index.js';
import { writeBundle } from '../engine/index.js';

const total = Number(process.argv[2] ?? 2000);
const wasmKiB = Number(process.argv[3] ?? 400);
const rounds = Number(process.argv[4] ?? 20);
const key: VerificationKey & SigningKey = { algorithm: 'HS256', secret: 'bench-secret', keyId: 'bench' };

/** Deterministic filler so gzip sees wasm-like (poorly compressible) bytes. */
function filler(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function bundle(revision: string, seed: number): Uint8Array {
  return writeBundle({
    manifest: { revision, roots: [''], wasm: [{ entrypoint: 'semamesh/decision', module: '/policy.wasm' }] },
    data: {
      semamesh: {
        policies: Array.from({ length: 50 }, (_, i) => ({ name: `p${i}`, intents: ['delete:database'] })),
      },
    },
    modules: [
      { file: 'semamesh/decision.rego', source: 'package semamesh\n\ndecision := {"action": "ALLOW"}\n' },
    ],
    wasm: filler(wasmKiB * 1024, seed),
  });
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const fmt = (ms: number) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(2)} ms`);
const line = (label: string, xs: number[]) =>
  console.log(
    `${label.padEnd(44)} p50 ${fmt(pct(xs, 50)).padStart(9)}  p99 ${fmt(pct(xs, 99)).padStart(9)}  max ${fmt(Math.max(...xs)).padStart(9)}`,
  );

async function timeFetches(
  url: string,
  headers: Record<string, string>,
  agent: Agent,
  expect: number,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < total; i++) {
    const t0 = performance.now();
    const res = await request(url, { headers, dispatcher: agent });
    await res.body.arrayBuffer();
    times.push(performance.now() - t0);
    if (res.statusCode !== expect) throw new Error(`expected ${expect}, got ${res.statusCode}`);
  }
  return times;
}

async function main(): Promise<void> {
  let t = performance.now();
  const signed = signBundle(bundle('r1', 1), key);
  const signMs = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < 20; i++) verifyBundle(signed, key);
  const verifyMs = (performance.now() - t) / 20;
  console.log(`bundle: ${(signed.length / 1024).toFixed(0)} KiB gzip'd (wasm stand-in ${wasmKiB} KiB)`);
  console.log(
    `signBundle ${fmt(signMs)}, verifyBundle ${fmt(verifyMs)} (mean of 20; digest + HS256 + readBundle)\n`,
  );

  const server = new BundleServer();
  const addr = await server.listen(0);
  const origin = `http://127.0.0.1:${addr.port}`;
  const cur = server.publish('semamesh', signed, 'r1');
  const bare = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': signed.length });
    res.end(signed);
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`;
  const agent = new Agent({ connections: 256, pipelining: 1 });

  await timeFetches(`${origin}/bundles/semamesh`, {}, agent, 200); // warm-up
  console.log(`sequential fetches, ${total} each, one keep-alive connection:`);
  line('  bare node:http, same bytes (baseline)', await timeFetches(bareUrl, {}, agent, 200));
  line('  GET /bundles/semamesh → 200', await timeFetches(`${origin}/bundles/semamesh`, {}, agent, 200));
  line(
    '  If-None-Match → 304',
    await timeFetches(`${origin}/bundles/semamesh`, { 'if-none-match': cur.etag }, agent, 304),
  );

  const wake: number[] = [];
  const wakeAll: number[] = [];
  let etag = cur.etag;
  const next = [bundle('r2', 2), bundle('r3', 3)].map((b) => signBundle(b, key));
  for (let r = 0; r < rounds; r++) {
    const held = Array.from({ length: 100 }, () =>
      request(`${origin}/bundles/semamesh`, {
        headers: { 'if-none-match': etag, prefer: 'wait=120' },
        dispatcher: agent,
      }),
    );
    while (server.waiting < 100) await new Promise((res) => setTimeout(res, 1));
    const t0 = performance.now();
    etag = server.publish('semamesh', next[r % 2], `r${r + 2}`).etag;
    const done = await Promise.all(
      held.map(async (p) => {
        const res = await p;
        await res.body.arrayBuffer();
        return performance.now() - t0;
      }),
    );
    wake.push(...done);
    wakeAll.push(Math.max(...done));
  }
  console.log(`\nlong poll, 100 held requests woken by one publish, ${rounds} rounds (time to full body):`);
  line('  per request', wake);
  line('  last of the 100', wakeAll);

  const seen: number[] = [];
  let t1 = 0;
  let got = 0;
  let allSeen: () => void = () => {};
  const pollers = Array.from(
    { length: 100 },
    () =>
      new BundlePoller({
        url: `${origin}/bundles/semamesh`,
        key,
        waitSeconds: 120,
        onBundle: (u) => {
          if (u.revision !== 'final') return;
          seen.push(performance.now() - t1);
          if (++got === 100) allSeen();
        },
      }),
  );
  for (const p of pollers) p.start();
  while (server.waiting < 100) await new Promise((res) => setTimeout(res, 2));
  const finished = new Promise<void>((res) => {
    allSeen = res;
  });
  t1 = performance.now();
  server.publish('semamesh', signBundle(bundle('final', 9), key), 'final');
  await finished;
  console.log('\n100 BundlePollers in this process (verification runs 100× on one core):');
  line('  publish → onBundle', seen);
  await Promise.all(pollers.map((p) => p.stop()));

  await server.close();
  bare.close();
  await agent.close();
}

await main();
