// `semamesh demo`: the whole local story in one command, against the built-in mock LLM: a safe prompt
// passes, a destructive one is blocked with the rule named, a streamed destructive tool call is cut,
// and tokens and decisions are counted. Output is meant for a newcomer to read.
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { selfCommand } from '../self.js';
import { startLocalMode } from './up.js';

type Print = (line?: string) => void;

interface Step {
  status: number;
  body: string;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Step> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer demo-key', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.text() };
}

const chat = (content: string, extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o',
  messages: [{ role: 'user', content }],
  ...extra,
});

/** The data lines of an SSE body, parsed (non-JSON lines such as `[DONE]` kept as strings). */
function sseEvents(body: string): unknown[] {
  return body
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => l.slice(6))
    .map((d) => {
      try {
        return JSON.parse(d);
      } catch {
        return d;
      }
    });
}

/** Runs the demo and returns its exit code (0 when every step behaved as promised). */
export async function runDemo(print: Print = (l = '') => console.log(l)): Promise<number> {
  let failures = 0;
  const check = (ok: boolean, what: string) => {
    print(`   ${ok ? '✔' : '✘'} ${what}`);
    if (!ok) failures++;
  };
  print('SemaMesh demo: an agent talks to an LLM through the waypoint; policies decide.\n');
  const audit: string[] = [];
  const auditStream = new Writable({
    write(chunk, _enc, done) {
      audit.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const local = await startLocalMode(
    { mock: true, host: '127.0.0.1', port: 0, adminPort: 0, syncInterval: 60, auditStream },
    () => undefined,
  );
  try {
    print(`1. Policy: ${local.policySource}`);
    print('   SemaPolicy "prevent-unauthorized-deletion" — intents "delete namespace", "terminate node",');
    print('   "drop database" → Critical, BLOCK. Compiled by our Rego → WebAssembly compiler, evaluated');
    print('   in the opa-wasm SDK on every request and on every tool call the model returns.');
    print(`   Waypoint: ${local.url}   upstream: mock LLM at ${local.mock?.url}\n`);

    const v1 = `${local.url}/v1/chat/completions`;
    print('2. A safe prompt: "Summarize yesterday\'s deploy logs in two sentences."');
    const safe = await post(v1, chat("Summarize yesterday's deploy logs in two sentences."));
    const safeJson = JSON.parse(safe.body) as {
      choices?: { message?: { content?: string } }[];
      usage?: Record<string, number>;
    };
    print(`   HTTP ${safe.status}: "${safeJson.choices?.[0]?.message?.content ?? ''}"`);
    print(
      `   tokens: prompt ${safeJson.usage?.prompt_tokens}, completion ${safeJson.usage?.completion_tokens}`,
    );
    check(safe.status === 200, 'allowed and forwarded');

    print('\n3. A destructive prompt: "I want to delete the production database"');
    const bad = await post(v1, chat('I want to delete the production database'));
    const err = (JSON.parse(bad.body) as { error?: { message?: string; code?: string; rule?: string } })
      .error;
    print(`   HTTP ${bad.status} ${err?.code}: ${err?.message}`);
    check(bad.status === 403 && err?.rule !== undefined, `blocked; rule named: ${err?.rule}`);
    check(
      !local.mock?.requests.some((r) => JSON.stringify(r.body).includes('delete the production')),
      'the LLM never saw it',
    );
    await new Promise((r) => setTimeout(r, 20)); // the audit record is written after the reply
    const record = audit
      .map((l) => JSON.parse(l) as { status?: number; decision?: { action: string }; intents?: string[] })
      .find((r) => r.status === 403);
    if (record)
      print(
        `   audit record (no prompt text): intents ${JSON.stringify(record.intents)}, decision ${record.decision?.action}`,
      );

    print(
      '\n4. A streamed reply in which the model calls a tool: shell {"command": "kubectl delete ns prod"}',
    );
    const stream = await post(v1, chat('Please run the cleanup for the staging env', { stream: true }));
    const events = sseEvents(stream.body);
    const cut = events.find((e) => typeof e === 'object' && e !== null && 'error' in e) as
      | { error: { message: string } }
      | undefined;
    print(
      `   HTTP ${stream.status}, ${events.length} events; last: ${JSON.stringify(events.at(-1)).slice(0, 160)}`,
    );
    check(
      cut !== undefined && !events.includes('[DONE]'),
      'tool call held, checked, and the stream cut with an error event',
    );

    print('\n5. Anthropic\'s API through the same waypoint: "Write a haiku about observability."');
    const anth = await post(
      `${local.url}/v1/messages`,
      {
        model: 'claude-sonnet-4-5',
        max_tokens: 128,
        messages: [{ role: 'user', content: 'Write a haiku about observability.' }],
      },
      { 'x-api-key': 'demo-key', 'anthropic-version': '2023-06-01' },
    );
    const msg = JSON.parse(anth.body) as { content?: { text?: string }[]; usage?: Record<string, number> };
    print(
      `   HTTP ${anth.status}: "${msg.content?.[0]?.text ?? ''}" (input tokens ${msg.usage?.input_tokens})`,
    );
    check(anth.status === 200, 'allowed and forwarded');

    print('\n6. What the waypoint counted (Prometheus /metrics):');
    const metrics = await (await fetch(`${local.adminUrl}/metrics`)).text();
    for (const line of metrics.split('\n'))
      if (/^semamesh_waypoint_(decisions|tokens)_total\{/.test(line)) print(`   ${line}`);
    check(/semamesh_waypoint_decisions_total\{[^}]*BLOCK[^}]*\} [1-9]/.test(metrics), 'blocks counted');
  } finally {
    await local.close();
  }
  print(
    failures === 0 ? '\nAll steps behaved as promised.' : `\n${failures} step(s) did not behave as promised.`,
  );
  const self = selfCommand();
  print(`Next: \`${self} up --mock\` to keep it running, \`${self} test policies/\` for the Rego tests.`);
  return failures === 0 ? 0 : 1;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('run the local demo against the built-in mock LLM (no network, no cluster)')
    .action(async () => {
      process.exitCode = await runDemo();
    });
}
