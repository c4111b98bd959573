// End to end in headless Chromium against `semamesh up`: a blocked prompt appears on the page, a
// paused agent is approved from the page, and the budget view shows the spend the quota engine counted.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import { type LocalMode, startLocalMode } from '../../cli/commands/up.js';
import { browserMissing, launchBrowser } from '../../console/testing/browser.js';
import { IncidentStore } from '../../controller/index.js';
import { screenshotPath } from './screenshots.js';

const skip = browserMissing();
if (skip) console.log(`# skipping the console browser tests: ${skip}`);

const POLICY = `apiVersion: semamesh.io/v1alpha1
kind: SemaPolicy
metadata: {name: guard, namespace: default}
spec:
  rules:
    - name: no-db-drops
      intentMatches: [drop database]
      riskLevel: Critical
      action: BLOCK
      message: dropping databases needs a ticket
    - name: hold-namespace-deletes
      intentMatches: [delete namespace]
      riskLevel: Critical
      action: PAUSE
      message: a human must look at namespace deletions
---
apiVersion: semamesh.io/v1alpha1
kind: SemaQuota
metadata: {name: team-budget, namespace: default}
spec:
  limits:
    - window: day
      costUSD: 1000000
      tokens: 100000000
  models:
    gpt-4o-mini: {inputPer1M: 1000000, outputPer1M: 1000000}
`;

let local: LocalMode;
let browser: Browser;
let dir: string;
let openai: OpenAI;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'semamesh-console-up-'));
  writeFileSync(join(dir, 'policies.yaml'), POLICY);
  local = await startLocalMode(
    {
      policies: [join(dir, 'policies.yaml')],
      syncInterval: 60,
      mock: true,
      host: '127.0.0.1',
      port: 0,
      adminPort: 0,
      consolePort: 0,
      incidentStore: join(dir, 'incidents.json'),
      auditStream: new Writable({ write: (_c, _e, done) => done() }),
    },
    () => {},
  );
  openai = new OpenAI({ baseURL: `${local.url}/v1`, apiKey: 'sk-test', maxRetries: 0 });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await local?.close();
});

const ask = (content: string) =>
  openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });

async function openConsole(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
  await page.goto(local.console!.loginUrl);
  await page.getByRole('heading', { name: 'Recent decisions' }).waitFor();
  return page;
}

test('without the token the page shows a sign-in form, and a wrong token is refused', { skip }, async () => {
  const page = await browser.newPage();
  await page.goto(local.console!.url);
  await page.getByLabel('Kubernetes bearer token').fill('not-the-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'SM_ERR_CONSOLE_UNAUTHENTICATED' }).waitFor();
  assert.equal(await page.getByRole('heading', { name: 'Recent decisions' }).count(), 0);
  await page.close();
});

test('a blocked prompt appears on the page as it happens', { skip }, async () => {
  const page = await openConsole();
  await assert.rejects(
    ask('please drop database prod now'),
    (err: { status?: number }) => err.status === 403,
  );
  const row = page.locator('tr[data-action="BLOCK"]').first();
  await row.waitFor();
  const text = (await row.textContent()) ?? '';
  assert.match(text, /BLOCK/);
  assert.match(text, /no-db-drops: dropping databases needs a ticket/);
  assert.match(text, /gpt-4o-mini/);
  await page.close();
});

test('a paused agent is approved from the page', { skip }, async () => {
  const page = await openConsole();
  await assert.rejects(ask('delete namespace payments'), (err: { status?: number }) => err.status === 403);
  const approve = page.getByRole('button', { name: /^Approve / }).first();
  await approve.waitFor();
  const store = new IncidentStore(join(dir, 'incidents.json'));
  const [paused] = await store.list({ phase: 'Paused' });
  assert.ok(paused, 'the PAUSE decision recorded an incident');
  assert.equal(paused.rule, 'hold-namespace-deletes');
  await page.screenshot({ path: screenshotPath('console-paused.png') });
  await approve.click();
  await page.getByText(/Approved .* as local-user\./).waitFor();
  const decided = await store.get(paused.id);
  assert.equal(decided.phase, 'Approved');
  assert.equal(decided.decidedBy, 'local-user');
  // The row is redrawn from the next incident list the page fetches, a moment after the notice.
  await page.locator(`tr[data-incident="${paused.id}"] button`).first().waitFor({ state: 'detached' });
  assert.equal(await page.locator(`tr[data-incident="${paused.id}"] button`).count(), 0);
  await page.close();
});

test('the budget view shows what the quota engine counted', { skip }, async () => {
  const reply = await ask('summarise the release notes');
  assert.ok(reply.usage && reply.usage.prompt_tokens > 0);
  const page = await openConsole();
  const row = page.locator('tr[data-quota="default/team-budget"]');
  // $1 per token (the quota's price override): the spend is at least the reply's tokens.
  const cost = row.locator('td').nth(1);
  // The page updates live; wait until the settled cost has arrived.
  for (let i = 0; /^\$0 /.test((await cost.textContent()) ?? '$0 '); i++) {
    assert.ok(i < 100, 'the budget never showed spend');
    await page.waitForTimeout(100);
  }
  const text = (await row.textContent()) ?? '';
  const spent = Number(/\$([0-9.]+) \/ \$1000000/.exec(text)?.[1]);
  assert.ok(spent >= reply.usage.prompt_tokens + reply.usage.completion_tokens, text);
  await page.screenshot({
    path: screenshotPath('console-local.png'),
    fullPage: true,
  });
  await page.close();
});
