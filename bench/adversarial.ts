// Recall and false positives of the waypoint on the adversarial corpus (test/fixtures/adversarial/),
// per bypass class, through the real `semamesh up` (compiled policy, waypoint, mock LLM).
//
//   npx tsx bench/adversarial.ts                  # this checkout
//   npx tsx bench/adversarial.ts --baseline DIR   # also a checkout of an earlier commit, same run
//   npx tsx bench/adversarial.ts --misses         # print the cases judged wrongly
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse } from 'yaml';

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
  const local = await startLocalMode(
    {
      policies: [join(FIXTURES, 'policy.yaml')],
      mock: true,
      host: '127.0.0.1',
      port: 0,
      adminPort: 0,
      syncInterval: 60,
      auditStream: new PassThrough(),
    },
    () => undefined,
  );
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

const args = process.argv.slice(2);
const showMisses = args.includes('--misses');
const b = args.indexOf('--baseline');
const here = new URL('..', import.meta.url).pathname;
print(`this checkout (${here})`, await run(here), showMisses);
if (b >= 0 && args[b + 1]) print(`baseline (${args[b + 1]})`, await run(args[b + 1]), false);
