// CPU time (not wall-clock: trustworthy on a loaded machine) of the waypoint's analysis, for this
// checkout and a baseline checkout in alternating rounds of one process:
//  - the 200-message (~400 KB) conversation of bench/waypoint-wrk.sh with a new last message on
//    every request, through the parse, tokens and intent filters (CPU ms per request, each filter);
//  - a 1 KB chat (one fresh message) through the same filters (CPU µs per request);
//  - the analyser on fresh 7 KB texts (MB per CPU-second), as bench/adversarial.ts --perf builds them.
//
//   npx tsx bench/analysis-cpu.ts [--baseline DIR]    # DIR: a checkout of an earlier commit
import { join } from 'node:path';

interface Filter {
  name: string;
  onRequest(ctx: unknown): unknown;
}
interface Side {
  name: string;
  filters: Filter[];
  provider: unknown;
  pairs: (t: string) => unknown;
  cpu: Record<string, number>;
  requests: number;
  /** CPU µs of the 1 KB chats, and how many. */
  smallUs: number;
  small: number;
  chars: number;
  analyserUs: number;
}

const SENTENCES = [
  'The quarterly report shows steady growth in the operations budget.',
  'Please summarise the main points for the team in plain words.',
  'Revenue in the northern region rose while costs stayed flat.',
  'The support queue was shorter than last month, and response times improved.',
  'We should plan the next review for early in the new quarter.',
  'Customer feedback mentions faster delivery and clearer invoices.',
  'The hiring plan keeps two open roles for the data team.',
  'Training sessions were well attended and rated useful.',
];
const history = [{ role: 'system', content: 'You are a helpful assistant for an operations team.' }];
for (let i = 0; i < 199; i++) {
  let t = `Message ${i}: `;
  for (let k = 0; t.length < 2000; k++) t += `${SENTENCES[(i * 7 + k) % SENTENCES.length]} `;
  history.push({ role: i % 2 ? 'assistant' : 'user', content: t.trim() });
}
const [prefix, suffix] = JSON.stringify({
  model: 'gpt-4o',
  max_tokens: 64,
  messages: [...history, { role: 'user', content: '@@' }],
}).split('"@@"');
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
const filler = 'Please look at the checkout pods in the payments namespace and tell me why they restart. ';
let fresh = 0;
// Through JSON, as the waypoint gets texts: flat strings, not concatenations.
const freshText = (): string =>
  JSON.parse(
    JSON.stringify(
      `${filler.repeat(40)} Then drop the staging database ${fresh++} please. ${filler.repeat(40)}`,
    ),
  );

const cpuUs = (f: () => unknown): number => {
  const t0 = process.cpuUsage();
  f();
  const d = process.cpuUsage(t0);
  return d.user + d.system;
};

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
    pairs: (t) => c.pairs(t),
    cpu: {},
    requests: 0,
    smallUs: 0,
    small: 0,
    chars: 0,
    analyserUs: 0,
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
const sides = [await side('this checkout', new URL('..', import.meta.url).pathname)];
if (b >= 0 && args[b + 1]) sides.push(await side('baseline', args[b + 1]!));
// Warm: the whole history analysed once (it is then memoized, as in a running waypoint), and the
// analyser run on fresh texts until the JIT has settled (a running waypoint's steady state; the
// first few hundred texts run in slower tiers).
for (const s of sides) {
  for (let i = 0; i < 30; i++) await request(s, false);
  for (let i = 0; i < 2000; i++) s.pairs(freshText());
}
// The side that runs first in a round measured ~10% slower (whichever checkout it was): the order
// alternates, so neither side carries that cost.
for (let round = 0; round < 8; round++)
  for (const s of round % 2 ? [...sides].reverse() : sides) {
    for (let i = 0; i < 25; i++) await request(s, true);
    for (let i = 0; i < 100; i++) s.smallUs += await request(s, false, kb());
    s.small += 100;
    const texts = Array.from({ length: 80 }, freshText);
    s.analyserUs += cpuUs(() => {
      for (const t of texts) s.pairs(t);
    });
    for (const t of texts) s.chars += t.length;
  }
console.log('200-message conversation, new last message: CPU ms per request (parse, tokens, intent filters)');
for (const s of sides) {
  const per = Object.entries(s.cpu).map(([k, us]) => `${k} ${(us / s.requests / 1000).toFixed(3)}`);
  const total = Object.values(s.cpu).reduce((x, y) => x + y, 0) / s.requests / 1000;
  console.log(`  ${s.name.padEnd(14)} ${total.toFixed(3)} ms  (${per.join(', ')})`);
}
console.log('1 KB chat: CPU µs per request (parse, tokens, intent filters)');
for (const s of sides) console.log(`  ${s.name.padEnd(14)} ${(s.smallUs / s.small).toFixed(1)} µs`);
console.log('analyser on fresh 7 KB texts: MB per CPU-second');
for (const s of sides) console.log(`  ${s.name.padEnd(14)} ${(s.chars / s.analyserUs).toFixed(2)}`);
