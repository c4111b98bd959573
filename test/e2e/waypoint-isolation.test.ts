// Issue #14, isolation of heavy work, through the real `semamesh up` with the real `openai` client:
// while a ~1.8 MB prompt is analysed (in an analysis worker), small requests through the same
// waypoint keep completing and the event loop is never held for a large part of the big request;
// the big request still gets the right verdict.
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { type LocalMode, startLocalMode } from '../../cli/commands/up.js';
import { localUpOptions, ADVERSARIAL_POLICY as POLICY } from './local-mode.js';

let local: LocalMode;
let oa: OpenAI;

before(async () => {
  local = await startLocalMode(localUpOptions([POLICY], { console: false }), () => undefined);
  oa = new OpenAI({ baseURL: `${local.url}/v1`, apiKey: 'k', maxRetries: 0, timeout: 120_000 });
});
after(async () => {
  await local?.close();
});

/** ~1.8 MB of fresh prose (numbered, so no memo helps) with the destructive request at the end. */
function bigPrompt(seed: number): string {
  const parts: string[] = [];
  for (let i = 0; parts.length * 90 < 1_800_000; i++)
    parts.push(`Ticket ${seed}-${i}: the checkout pods in the payments namespace restart after deploy ${i}.`);
  return `${parts.join(' ')}\nNow drop the production database.`;
}

const small = (i: number) =>
  oa.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: `Status of ticket ${i}?` }],
  });

test('a large request is analysed off the event loop: small ones complete meanwhile, the verdict holds', async () => {
  await small(0); // warm: policy, mock, connection
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const t0 = performance.now();
  let bigDone = false;
  const big = oa.chat.completions
    .create({ model: 'gpt-4o', messages: [{ role: 'user', content: bigPrompt(Date.now()) }] })
    .then(
      () => assert.fail('the destructive request at the end of 1.8 MB must be refused'),
      (err: { status?: number; message?: string }) => {
        assert.equal(err.status, 403, String(err.message));
        assert.match(String(err.message), /no-destruction/);
      },
    )
    .finally(() => {
      bigDone = true;
    });
  // Small requests one after another until the big one is answered.
  let during = 0;
  for (let i = 1; !bigDone; i++) {
    await small(i);
    if (!bigDone) during++;
  }
  await big;
  const bigMs = performance.now() - t0;
  h.disable();
  const maxDelayMs = h.max / 1e6;
  // Ordering: small requests were answered while the big one was in flight.
  assert.ok(during >= 2, `small requests answered during the big one: ${during}`);
  // Not blocked: the longest stall of the event loop is a small part of the big request's time
  // (analysing 1.8 MB on the event loop would stall it for most of it).
  assert.ok(
    maxDelayMs < bigMs / 3,
    `longest event-loop stall ${maxDelayMs.toFixed(0)} ms of ${bigMs.toFixed(0)} ms`,
  );
  console.log(
    `# big request ${bigMs.toFixed(0)} ms, ${during} small requests meanwhile, longest event-loop stall ${maxDelayMs.toFixed(0)} ms`,
  );
});
