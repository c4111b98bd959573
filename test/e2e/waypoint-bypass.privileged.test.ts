// Issue #14's routing bypass under the real eBPF redirect (`semamesh exec`, root): an unmodified
// curl inside the agent cgroup spells the chat route differently, and the waypoint still checks it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { privilegedSkip } from '../../bpf/src/test-env.js';
import {
  bodyAndStatus,
  CURL_STATUS_JSON,
  chatJson as chat,
  execStateFlags,
  semameshExec,
} from './privileged-harness.js';

const POLICY = 'test/fixtures/adversarial/policy.yaml';

const skip = privilegedSkip('waypoint bypass exec tests', ['curl']);

const work = mkdtempSync(join(tmpdir(), 'sm-bypass-exec-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** `semamesh exec --mock` around one curl; resolves with curl's body and HTTP status. */
async function execCurl(curlArgs: string[]): Promise<{ status: string; body: string; stderr: string }> {
  const r = await semameshExec(
    [...execStateFlags(work), '--mock', '--target', '127.0.0.2:80', '--policies', POLICY],
    ['curl', '-s', ...CURL_STATUS_JSON, ...curlArgs],
  );
  return { ...bodyAndStatus(r.stdout), stderr: r.stderr };
}

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
