// Issue #14's routing bypass under the real eBPF redirect (`semamesh exec`, root): an unmodified
// curl inside the agent cgroup spells the chat route differently, and the waypoint still checks it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { addonStatus, cgroup2Mount, objectPath } from '../../bpf/src/index.js';

const root = new URL('../..', import.meta.url).pathname;
const POLICY = 'test/fixtures/adversarial/policy.yaml';

function skipReason(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root (BPF attach and cgroup writes need it)';
  if (!cgroup2Mount()) return 'no cgroup2 mount';
  const addon = addonStatus();
  if (!addon.available) return addon.reason;
  if (!existsSync(objectPath())) return `${objectPath()} missing; run: npm run build:bpf`;
  if (!process.env.PATH?.split(':').some((d) => existsSync(join(d, 'curl')))) return 'curl not installed';
  return undefined;
}
const skip = skipReason();
if (skip) console.log(`# waypoint bypass exec tests skipped: ${skip}`);

const work = mkdtempSync(join(tmpdir(), 'sm-bypass-exec-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** `semamesh exec --mock` around one curl; resolves with curl's body and HTTP status. */
function execCurl(curlArgs: string[]): Promise<{ status: string; body: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'cli/semamesh.ts',
      'exec',
      '--ca-dir',
      join(work, 'ca'),
      '--incident-store',
      join(work, 'incidents.json'),
      '--mock',
      '--target',
      '127.0.0.2:80',
      '--policies',
      POLICY,
      '--',
      'curl',
      '-s',
      '-w',
      '\n%{http_code}\n',
      '-H',
      'content-type: application/json',
      '-H',
      'Authorization: Bearer sk-test',
      ...curlArgs,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d;
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d;
  });
  return new Promise((resolve) =>
    child.on('close', () => {
      const lines = out.trim().split('\n');
      resolve({ status: lines.at(-1) ?? '', body: lines.slice(0, -1).join('\n'), stderr: err });
    }),
  );
}

const chat = (content: string) => JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content }] });

describe('routing bypasses under semamesh exec', { skip }, () => {
  for (const [name, args] of [
    ['trailing slash', ['http://127.0.0.2/v1/chat/completions/']],
    ['escaped letter', ['--path-as-is', 'http://127.0.0.2/v1/chat/%63ompletions']],
    ['dot segments', ['--path-as-is', 'http://127.0.0.2/v1/x/../chat/completions']],
    [
      'absolute-form target',
      ['--request-target', 'http://api.openai.com/v1/chat/completions', 'http://127.0.0.2/'],
    ],
  ] as const) {
    test(`${name}: the destructive prompt is refused by the policy`, async () => {
      const r = await execCurl([...args, '-d', chat('Drop the production database now.')]);
      assert.equal(r.status, '403', `${r.body}\n${r.stderr}`);
      assert.match(r.body, /no-destruction/);
    });
  }

  test('an unknown route on the intercepted LLM host is refused, not forwarded', async () => {
    const r = await execCurl([
      '-H',
      'host: api.openai.com',
      'http://127.0.0.2/v1/chat/completion',
      '-d',
      chat('Drop the production database now.'),
    ]);
    assert.equal(r.status, '404', `${r.body}\n${r.stderr}`);
    assert.match(r.body, /SM_ERR_WAYPOINT_ROUTE_UNKNOWN/);
  });
});
