// Test support for the waypoint tests: an intent → action decision engine (a test double for the
// policy seam, not the product) and a stack of mock LLM + waypoint with captured audit records.
import { PassThrough } from 'node:stream';
import { createMockLlm, type MockLlm } from '../../test/mock-llm/index.js';
import type { Action, Decision, DecisionEngine, DecisionInput } from '../policy/decision.js';
import { createWaypoint, type Waypoint, type WaypointOptions } from '../server.js';

const SEVERITY: Action[] = ['ALLOW', 'AUDIT', 'REDACT', 'THROTTLE', 'BLOCK', 'PAUSE'];

export interface IntentEngine extends DecisionEngine {
  readonly inputs: DecisionInput[];
}

/**
 * Maps `features.intents` (and `pii:<kind>` for PII kinds) to actions; the most severe match wins,
 * naming rule `<intent>` of policy `test`. Records every input it saw.
 */
export function intentEngine(map: Record<string, Action>, revision = 'test-1'): IntentEngine {
  const inputs: DecisionInput[] = [];
  return {
    revision,
    inputs,
    decide(input): Decision {
      inputs.push(input);
      let action: Action = 'ALLOW';
      const reasons: Decision['reasons'] = [];
      const keys = [...input.features.intents, ...input.features.pii.map((k) => `pii:${k}`)];
      for (const k of keys) {
        const a = map[k];
        if (!a) continue;
        reasons.push({ policy: 'test', rule: k, message: `${k} is ${a.toLowerCase()}ed` });
        if (SEVERITY.indexOf(a) > SEVERITY.indexOf(action)) action = a;
      }
      reasons.sort((x, y) => SEVERITY.indexOf(map[y.rule]) - SEVERITY.indexOf(map[x.rule]));
      return {
        action,
        risk: action === 'ALLOW' ? 'low' : 'high',
        reasons,
        redactions: [],
        retryAfterSeconds: 7,
      };
    },
  };
}

export interface Stack {
  mock: MockLlm;
  wp: Waypoint;
  url: string;
  adminUrl: string;
  audit: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startStack(options: WaypointOptions = {}): Promise<Stack> {
  const mock = await createMockLlm({ tokenizer: 'o200k' });
  const audit: Record<string, unknown>[] = [];
  const stream = new PassThrough();
  let pending = '';
  stream.setEncoding('utf8').on('data', (d: string) => {
    pending += d;
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      audit.push(JSON.parse(pending.slice(0, nl)));
      pending = pending.slice(nl + 1);
      nl = pending.indexOf('\n');
    }
  });
  const wp = await createWaypoint({
    routes: [
      { provider: 'openai', upstream: mock.url },
      { provider: 'anthropic', upstream: mock.url },
      { provider: 'mcp', upstream: mock.url },
      { provider: 'generic', upstream: mock.url },
    ],
    auditStream: stream,
    logger: false,
    ...options,
  });
  const { url, adminUrl } = await wp.listen();
  return {
    mock,
    wp,
    url,
    adminUrl,
    audit,
    async close() {
      await wp.close();
      await mock.close();
    },
  };
}

/** Waits until the audit record of the exchange with this `x-semamesh-request-id` has arrived. */
export async function auditRecord(
  stack: Stack,
  id: string | null | undefined,
): Promise<Record<string, unknown>> {
  if (!id) throw new Error('the response carries no x-semamesh-request-id');
  for (let i = 0; i < 2000; i++) {
    const rec = stack.audit.find((r) => r.id === id);
    if (rec) return rec;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`no audit record for request ${id}`);
}
