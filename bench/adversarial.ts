// Recall and false positives of the waypoint on the adversarial corpus (test/fixtures/adversarial/),
// per bypass class, through the real `semamesh up` (compiled policy, waypoint, mock LLM).
//
//   npx tsx bench/adversarial.ts                  # this checkout
//   npx tsx bench/adversarial.ts --baseline DIR   # also a checkout of an earlier commit, same run
//   npx tsx bench/adversarial.ts --misses         # print the cases judged wrongly
//   npx tsx bench/adversarial.ts --perf [--baseline DIR]
//       added latency (1 KB chat, 100-rule policy, sequential; a 200-message ~400 KB conversation
//       with a new last message) and analyser throughput on fresh text, for each checkout
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { localUpOptions } from '../test/e2e/local-mode.js';

interface Case {
  name: string;
  expect: 'refuse' | 'allow';
  method?: string;
  path: string;
  body?: Record<string, unknown>;
  stream?: boolean;
  reply?: Record<string, unknown>;
}

const FIXTURES = new URL('../test/fixtures/adversarial/', import.meta.url).pathname;

function load(): { category: string; cases: Case[] }[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.yaml') && f !== 'policy.yaml')
    .sort()
    .map((f) => parse(readFileSync(join(FIXTURES, f), 'utf8')) as { category: string; cases: Case[] });
}

function send(base: string, c: Case, body: string | undefined): Promise<{ status: number; text: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        method: c.method ?? 'POST',
        host: u.hostname,
        port: u.port,
        path: c.path,
        headers: {
          'content-type': 'application/json',
          authorization: 'Bearer k',
          'x-api-key': 'k',
          'anthropic-version': '2023-06-01',
          host: 'api.openai.com',
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface Row {
  refuse: number;
  caught: number;
  allow: number;
  falsePositives: number;
  misses: string[];
}

async function run(root: string): Promise<Map<string, Row>> {
  const { startLocalMode } = (await import(
    join(root, 'cli/commands/up.ts')
  )) as typeof import('../cli/commands/up.js');
  const local = await startLocalMode(localUpOptions([join(FIXTURES, 'policy.yaml')]), () => undefined);
  const rows = new Map<string, Row>();
  try {
    let n = 0;
    for (const { category, cases } of load()) {
      const row: Row = { refuse: 0, caught: 0, allow: 0, falsePositives: 0, misses: [] };
      rows.set(category, row);
      for (const c of cases) {
        let body = c.body ? JSON.stringify(c.body) : undefined;
        if (c.reply) {
          // A unique ticket per case, so the scripted reply answers this request only.
          const ticket = `T${++n}x`;
          body = body?.replace('TICKET', ticket);
          local.mock!.script({ match: ticket, times: 1, reply: c.reply as never });
        }
        if (c.stream && c.body) body = JSON.stringify({ ...JSON.parse(body!), stream: true });
        const r = await send(local.url, c, body);
        // Refused: a coded 4xx, or a stream ended by the waypoint's error event.
        const refused = (r.status >= 400 && r.status < 500) || /semamesh_code|SM_ERR_WAYPOINT/.test(r.text);
        if (c.expect === 'refuse') {
          row.refuse++;
          if (refused) row.caught++;
          else row.misses.push(`missed: ${c.name}`);
        } else {
          row.allow++;
          if (refused) {
            row.falsePositives++;
            row.misses.push(`false positive (${r.status}): ${c.name}`);
          }
        }
      }
    }
  } finally {
    await local.close();
  }
  return rows;
}

function print(label: string, rows: Map<string, Row>, misses: boolean): void {
  console.log(`\n${label}`);
  console.log('category      destructive  caught  recall   benign  false+  fp-rate');
  let t = { refuse: 0, caught: 0, allow: 0, fp: 0 };
  for (const [cat, r] of rows) {
    const pct = (a: number, b: number) => (b === 0 ? '   -  ' : `${((100 * a) / b).toFixed(1).padStart(5)}%`);
    console.log(
      `${cat.padEnd(14)}${String(r.refuse).padStart(11)}${String(r.caught).padStart(8)}  ${pct(r.caught, r.refuse)}${String(r.allow).padStart(8)}${String(r.falsePositives).padStart(8)}  ${pct(r.falsePositives, r.allow)}`,
    );
    t = {
      refuse: t.refuse + r.refuse,
      caught: t.caught + r.caught,
      allow: t.allow + r.allow,
      fp: t.fp + r.falsePositives,
    };
    if (misses) for (const m of r.misses) console.log(`    ${m}`);
  }
  console.log(
    `${'all'.padEnd(14)}${String(t.refuse).padStart(11)}${String(t.caught).padStart(8)}  ${((100 * t.caught) / t.refuse).toFixed(1).padStart(5)}%${String(t.allow).padStart(8)}${String(t.fp).padStart(8)}  ${((100 * t.fp) / t.allow).toFixed(1).padStart(5)}%`,
  );
}

/** A SemaPolicy with `n` rules over varied phrases (only the first blocks what the prompts say). */
function policyOf(n: number): string {
  const verbs = [
    'delete',
    'drop',
    'terminate',
    'scale down',
    'restart',
    'disable',
    'modify',
    'read',
    'export',
    'grant',
  ];
  const objects = [
    'namespace',
    'database',
    'node',
    'deployment',
    'volume',
    'bucket',
    'secret',
    'cluster',
    'firewall',
    'user',
  ];
  const rules = [];
  for (let i = 0; i < n; i++) {
    const phrase = `${verbs[i % verbs.length]} ${objects[Math.floor(i / verbs.length) % objects.length]}`;
    rules.push(
      `    - name: r${i}\n      intentMatches: [${JSON.stringify(phrase)}]\n      riskLevel: High\n      action: ${i === 0 ? 'BLOCK' : 'AUDIT'}`,
    );
  }
  return `apiVersion: semamesh.io/v1alpha1\nkind: SemaPolicy\nmetadata: {name: perf, namespace: default}\nspec:\n  rules:\n${rules.join('\n')}\n`;
}

const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });

function post(url: string, path: string, body: string): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(
      {
        method: 'POST',
        host: u.hostname,
        port: u.port,
        path,
        agent: keepAlive,
        headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(performance.now() - t0)
            : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

/** p50/p99 of sequential requests, alternating direct and through the waypoint (same load for both). */
async function paired(direct: string, waypoint: string, bodies: (i: number) => string, n: number) {
  const d: number[] = [];
  const w: number[] = [];
  for (let i = 0; i < 30; i++) {
    await post(direct, '/v1/chat/completions', bodies(-1 - i));
    await post(waypoint, '/v1/chat/completions', bodies(-1 - i));
  }
  for (let i = 0; i < n; i++) {
    const b = bodies(i);
    d.push(await post(direct, '/v1/chat/completions', b));
    w.push(await post(waypoint, '/v1/chat/completions', b));
  }
  return { p50: pct(w, 0.5) - pct(d, 0.5), p99: pct(w, 0.99) - pct(d, 0.99) };
}

async function perf(root: string): Promise<void> {
  const { startLocalMode } = (await import(
    join(root, 'cli/commands/up.ts')
  )) as typeof import('../cli/commands/up.js');
  const { defaultCanonicalizer } = (await import(
    join(root, 'intent/index.ts')
  )) as typeof import('../intent/index.js');
  const dir = mkdtempSync(join(tmpdir(), 'sm-perf-'));
  writeFileSync(join(dir, 'policy.yaml'), policyOf(100));
  const local = await startLocalMode(localUpOptions([dir]), () => undefined);
  try {
    const mock = local.mock!.url;
    const filler =
      'Please look at the checkout pods in the payments namespace and tell me why they restart. ';
    const kb = (i: number) =>
      JSON.stringify({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: `${filler.repeat(11)} (${i})`.slice(0, 1000) }],
      });
    const small = await paired(mock, local.url, kb, 400);
    console.log(
      `  1 KB chat, 100 rules, sequential: added p50 ${small.p50.toFixed(2)} ms, p99 ${small.p99.toFixed(2)} ms`,
    );
    const history = Array.from({ length: 199 }, (_, i) => ({
      role: i % 2 ? 'assistant' : 'user',
      content: `${filler.repeat(22)} turn ${i}`.slice(0, 2000),
    }));
    const convo = (i: number) =>
      JSON.stringify({
        model: 'gpt-4o',
        messages: [...history, { role: 'user', content: `And now step ${i}: what next?` }],
      });
    console.log(`    (conversation body ${(convo(0).length / 1024).toFixed(0)} KB)`);
    const big = await paired(mock, local.url, convo, 100);
    console.log(
      `  200-message conversation, new last message: added p50 ${big.p50.toFixed(2)} ms, p99 ${big.p99.toFixed(2)} ms`,
    );
    const c = defaultCanonicalizer();
    let chars = 0;
    let i = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 3000) {
      // Fresh text every call: nothing cached anywhere.
      const text = `${filler.repeat(40)} Then drop the staging database ${i++} please. ${filler.repeat(40)}`;
      c.pairs(text);
      chars += text.length;
    }
    console.log(
      `  analyser throughput, fresh 7 KB texts: ${(chars / 1e6 / ((performance.now() - t0) / 1000)).toFixed(1)} MB/s`,
    );
  } finally {
    await local.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Analyser throughput of both checkouts in alternating rounds, so load changes hit both alike. */
async function throughputAB(here: string, base: string): Promise<void> {
  type C = { pairs(t: string): string[] };
  const load = async (root: string) =>
    ((await import(join(root, 'intent/index.ts'))) as { defaultCanonicalizer(): C }).defaultCanonicalizer();
  const sides: [string, C, number[]][] = [
    ['this checkout', await load(here), [0, 0]],
    ['baseline', await load(base), [0, 0]],
  ];
  const filler = 'Please look at the checkout pods in the payments namespace and tell me why they restart. ';
  let i = 0;
  for (let round = 0; round < 8; round++) {
    for (const [, c, acc] of sides) {
      const t0 = performance.now();
      while (performance.now() - t0 < 400) {
        const text = `${filler.repeat(40)} Then drop the staging database ${i++} please. ${filler.repeat(40)}`;
        c.pairs(text);
        acc[0] += text.length;
      }
      acc[1] += performance.now() - t0;
    }
  }
  console.log('analyser throughput, alternating rounds in one process (fresh 7 KB texts):');
  for (const [name, , [chars, ms]] of sides)
    console.log(`  ${name.padEnd(14)} ${(chars / 1e3 / ms).toFixed(2)} MB/s`);
}

const args = process.argv.slice(2);
const showMisses = args.includes('--misses');
const b = args.indexOf('--baseline');
const here = new URL('..', import.meta.url).pathname;
if (args.includes('--perf')) {
  console.log(
    `load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} on ${(await import('node:os')).cpus().length} cores`,
  );
  console.log(`this checkout (${here})`);
  await perf(here);
  if (b >= 0 && args[b + 1]) {
    console.log(`baseline (${args[b + 1]})`);
    await perf(args[b + 1]);
    await throughputAB(here, args[b + 1]);
  }
  console.log(
    `load average ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  keepAlive.destroy();
} else {
  print(`this checkout (${here})`, await run(here), showMisses);
  if (b >= 0 && args[b + 1]) print(`baseline (${args[b + 1]})`, await run(args[b + 1]), false);
}
