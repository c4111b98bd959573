// Shared set-up of the tests (and bench/adversarial.ts) that drive the real `semamesh up` in local
// mode: its options with the mock LLM on ephemeral loopback ports, the adversarial corpus' policy,
// the chat bodies those tests send and the check of a refusal. Each caller imports startLocalMode
// itself (the bench loads it from the checkout it measures).
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import type { UpOptions } from '../../cli/commands/up.js';

/** The policy of the adversarial corpus (test/fixtures/adversarial/). */
export const ADVERSARIAL_POLICY = new URL('../fixtures/adversarial/policy.yaml', import.meta.url).pathname;

/**
 * `semamesh up --mock` on 127.0.0.1 with free ports and the audit log discarded; `extra` overrides
 * (`mock: undefined` for real upstreams).
 */
export function localUpOptions(policies: string[], extra: Partial<UpOptions> = {}): UpOptions {
  return {
    policies,
    mock: true,
    host: '127.0.0.1',
    port: 0,
    adminPort: 0,
    syncInterval: 60,
    auditStream: new PassThrough().resume(),
    ...extra,
  };
}

/** A chat completion request for gpt-4o with one user message. */
export const chat = (content: string) => ({ model: 'gpt-4o', messages: [{ role: 'user', content }] });

/** A chat request whose history holds a tool call the agent made earlier (`args` as JSON text) and its result. */
export const toolCallHistory = (id: string, name: string, args: string) => ({
  model: 'gpt-4o',
  messages: [
    { role: 'user', content: 'continue' },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id, type: 'function', function: { name, arguments: args } }],
    },
    { role: 'tool', tool_call_id: id, content: 'ok' },
  ],
});

/** Asserts that `p` is refused with 403 naming `rule`, the way the SDKs report it. */
export async function refused(p: Promise<unknown>, rule = 'no-destruction'): Promise<void> {
  await assert.rejects(p, (err: { status?: number; message?: string }) => {
    assert.equal(err.status, 403, String(err.message));
    assert.match(String(err.message), new RegExp(rule));
    return true;
  });
}
