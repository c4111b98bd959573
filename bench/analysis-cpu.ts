// CPU time (not wall-clock: trustworthy on a loaded machine) of the waypoint's analysis, for this
// checkout and a baseline checkout in alternating rounds of one process:
//  - the 200-message (~400 KB) conversation of bench/waypoint-wrk.sh with a new last message on
//    every request, through the parse, tokens and intent filters (CPU ms per request, each filter);
//  - a 1 KB chat (one fresh message) through the same filters (CPU µs per request);
//  - the analyser on fresh 7 KB texts (MB per CPU-second), as bench/adversarial.ts --perf builds them,
//    and on their French counterpart (accented text: read twice, with and without accents), as it ships: intent/ compiled to JavaScript (tsc's transpiler, as `npm run build`), each
//    checkout in processes of its own, alternating. (Through tsx, in one process, it measured ~35%
//    lower — tsx names every closure it creates — and the checkout loaded first ~15% lower than
//    the other, with the same code on both sides.)
//
//   npx tsx bench/analysis-cpu.ts [--baseline DIR]    # DIR: a checkout of an earlier commit
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { conversationBodyParts } from './conversation.js';

interface Filter {
  name: string;
  onRequest(ctx: unknown): unknown;
}
interface Side {
  name: string;
  filters: Filter[];
  provider: unknown;
  cpu: Record<string, number>;
  requests: number;
  /** CPU µs of the 1 KB chats, and how many. */
  smallUs: number;
  small: number;
}

const [prefix, suffix] = conversationBodyParts();
let turn = 0;
// As bench/adversarial.ts --perf sends it: one user message of 1,000 characters.
const kb = () =>
  Buffer.from(
    JSON.stringify({
      model: 'gpt-4o',
      messages: [
        {
          role: 'user',
          content:
            `${'Please look at the checkout pods in the payments namespace and tell me why they restart. '.repeat(11)} (${++turn})`.slice(
              0,
              1000,
            ),
        },
      ],
    }),
  );
const conversation = () =>
  Buffer.from(`${prefix}${JSON.stringify(`What changed in review number ${++turn} of the plan?`)}${suffix}`);

/**
 * One process's analyser measurement (a module of its own, run with node): fresh 7 KB texts (English,
 * or French with argv[3] = fr) through JSON, as the waypoint gets them (flat strings, not
 * concatenations); the JIT warmed on 2,000 texts first (a running waypoint's steady state). Prints
 * characters read and CPU µs spent.
 */
const ANALYSER_RUN = `
const { defaultCanonicalizer } = await import(process.argv[2]);
const c = defaultCanonicalizer();
const [filler, request, please] = process.argv[3] === 'fr'
  ? ["Merci de regarder les pods de paiement dans l'espace de noms payments et de me dire pourquoi ils redémarrent. ",
     'Ensuite supprime la base de données de préproduction', "s'il te plaît."]
  : ['Please look at the checkout pods in the payments namespace and tell me why they restart. ',
     'Then drop the staging database', 'please.'];
let fresh = 0;
const freshText = () =>
  JSON.parse(JSON.stringify(\`\${filler.repeat(40)} \${request} \${fresh++} \${please} \${filler.repeat(40)}\`));
for (let i = 0; i < 2000; i++) c.pairs(freshText());
let chars = 0;
let us = 0;
for (let round = 0; round < 8; round++) {
  const texts = Array.from({ length: 80 }, freshText);
  const t0 = process.cpuUsage();
  for (const t of texts) c.pairs(t);
  const d = process.cpuUsage(t0);
  us += d.user + d.system;
  for (const t of texts) chars += t.length;
}
console.log(JSON.stringify({ chars, us }));
`;

/** A checkout's intent/ compiled into dir/intent (tsc's per-file transpiler; its data linked). */
function compileIntent(root: string, dir: string): string {
  const src = join(root, 'intent');
  const out = join(dir, 'intent');
  mkdirSync(out, { recursive: true });
  for (const name of readdirSync(src)) {
    if (name.endsWith('.ts') && !name.endsWith('.test.ts')) {
      const js = ts.transpileModule(readFileSync(join(src, name), 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      writeFileSync(join(out, name.replace(/\.ts$/, '.js')), js);
    } else if (name === 'data' || name === 'languages') symlinkSync(join(src, name), join(out, name));
  }
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return join(out, 'index.js');
}

async function side(name: string, root: string): Promise<Side> {
  const load = (p: string) => import(join(root, p));
  const { intent } = await load('waypoint/filters/intent/index.ts');
  const { parse } = await load('waypoint/filters/parse/index.ts');
  const { tokens } = await load('waypoint/filters/tokens/index.ts');
  const { loadTokenizers } = await load('waypoint/tokens/index.ts');
  const { defaultCanonicalizer } = await load('intent/index.ts');
  const { openai } = await load('waypoint/providers/openai.ts');
  const c = defaultCanonicalizer();
  const filters = [
    parse(),
    tokens({ tokenizers: await loadTokenizers(), metrics: { tokens() {} } }),
    intent({ canonicalizer: c, pool: false }),
  ] as Filter[];
  return {
    name,
    filters,
    provider: openai,
    cpu: {},
    requests: 0,
    smallUs: 0,
    small: 0,
  };
}

async function request(s: Side, count: boolean, body = conversation()): Promise<number> {
  const ctx = {
    provider: s.provider,
    api: 'chat.completions',
    method: 'POST',
    path: '/v1/chat/completions',
    route: { host: 'bench' },
    headers: { 'content-type': 'application/json' },
    rawBody: body,
    features: { tokens: {} },
    usage: {},
  };
  let total = 0;
  for (const f of s.filters) {
    const t0 = process.cpuUsage();
    await f.onRequest(ctx);
    const d = process.cpuUsage(t0);
    total += d.user + d.system;
    if (count) s.cpu[f.name] = (s.cpu[f.name] ?? 0) + d.user + d.system;
  }
  if (count) s.requests++;
  return total;
}

const args = process.argv.slice(2);
const b = args.indexOf('--baseline');
const roots = [new URL('..', import.meta.url).pathname];
if (b >= 0 && args[b + 1]) roots.push(args[b + 1]!);
const sides = [await side('this checkout', roots[0]!)];
if (roots[1]) sides.push(await side('baseline', roots[1]));
// Warm: the whole history analysed once (it is then memoized, as in a running waypoint).
for (const s of sides) for (let i = 0; i < 30; i++) await request(s, false);
// The side that runs first in a round measured ~10% slower (whichever checkout it was): the order
// alternates, so neither side carries that cost.
for (let round = 0; round < 8; round++)
  for (const s of round % 2 ? [...sides].reverse() : sides) {
    for (let i = 0; i < 25; i++) await request(s, true);
    for (let i = 0; i < 100; i++) s.smallUs += await request(s, false, kb());
    s.small += 100;
  }
// The analyser, compiled, one process per side and run, the order alternating.
const work = mkdtempSync(join(tmpdir(), 'semamesh-analysis-cpu-'));
interface AnalyserSide {
  entry: string;
  chars: number;
  us: number;
  rates: number[];
}
const LANGUAGES = [
  { lang: 'en', title: 'fresh 7 KB texts', runs: 6 },
  { lang: 'fr', title: 'fresh 9 KB French texts', runs: 4 },
];
const analyser: Record<string, AnalyserSide[]> = {};
try {
  writeFileSync(join(work, 'run.mjs'), ANALYSER_RUN);
  const entries = roots.map((root, k) => compileIntent(root, join(work, `side${k}`)));
  for (const { lang, runs } of LANGUAGES) {
    const sides = entries.map((entry) => ({ entry, chars: 0, us: 0, rates: [] as number[] }));
    analyser[lang] = sides;
    for (let run = 0; run < runs; run++)
      for (const a of run % 2 ? [...sides].reverse() : sides) {
        const r = JSON.parse(
          execFileSync(process.execPath, [join(work, 'run.mjs'), a.entry, lang], { encoding: 'utf8' }),
        );
        a.chars += r.chars;
        a.us += r.us;
        a.rates.push(r.chars / r.us);
      }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log('200-message conversation, new last message: CPU ms per request (parse, tokens, intent filters)');
for (const s of sides) {
  const per = Object.entries(s.cpu).map(([k, us]) => `${k} ${(us / s.requests / 1000).toFixed(3)}`);
  const total = Object.values(s.cpu).reduce((x, y) => x + y, 0) / s.requests / 1000;
  console.log(`  ${s.name.padEnd(14)} ${total.toFixed(3)} ms  (${per.join(', ')})`);
}
console.log('1 KB chat: CPU µs per request (parse, tokens, intent filters)');
for (const s of sides) console.log(`  ${s.name.padEnd(14)} ${(s.smallUs / s.small).toFixed(1)} µs`);
for (const { lang, title } of LANGUAGES) {
  console.log(`analyser on ${title}, compiled: MB per CPU-second (all runs; each run)`);
  for (const [k, a] of (analyser[lang] ?? []).entries())
    console.log(
      `  ${sides[k]!.name.padEnd(14)} ${(a.chars / a.us).toFixed(2)}  (${a.rates.map((r) => r.toFixed(2)).join(' ')})`,
    );
}
