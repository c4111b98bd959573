// End to end in headless Chromium against the controller's console: users sign in with a Kubernetes
// token (TokenReview) and RBAC decides (SubjectAccessReview); a waypoint reports its decisions with its
// own token, a blocked prompt appears, a paused agent is approved from the page, budgets show spend.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import { pollerBundleSource } from '../../cli/commands/waypoint.js';
import { auditTap, decisionReporter } from '../../console/index.js';
import { browserMissing, launchBrowser } from '../../console/testing/browser.js';
import { type RunningController, startController } from '../../controller/main.js';
import { testControllerConfig, waitFor } from '../../controller/testing.js';
import { K8sClient, type KubeObject } from '../../kube/index.js';
import { createWaypoint, type Waypoint } from '../../waypoint/index.js';
import { type KubeApiServer, startKubeApiServer } from '../kube-api-server/index.js';
import { createMockLlm, type MockLlm } from '../mock-llm/index.js';
import { screenshotPath } from './screenshots.js';

const skip = browserMissing();
if (skip) console.log(`# skipping the console browser tests: ${skip}`);

const USERS = {
  'alice-token': { username: 'alice', groups: ['oncall'] },
  'bob-token': { username: 'bob', groups: ['viewers'] },
  'node-token': { username: 'system:serviceaccount:semamesh-system:semamesh-node', groups: [] },
};

/** RBAC as a cluster would grant it: on-call decides, viewers look, the waypoints report. */
function allowed(user: { username: string; groups: string[] }, a: Record<string, unknown>): boolean {
  if (a.group !== 'semamesh.io') return false;
  if (user.groups.includes('oncall')) return a.resource === 'semaincidents';
  if (user.groups.includes('viewers')) return a.resource === 'semaincidents' && a.verb === 'list';
  if (user.username.endsWith(':semamesh-node')) return a.resource === 'decisions' && a.verb === 'create';
  return false;
}

let api: KubeApiServer;
let ctl: RunningController;
let client: K8sClient;
let mock: MockLlm;
let waypoint: Waypoint;
let reporter: ReturnType<typeof decisionReporter>;
let openai: OpenAI;
let browser: Browser;

async function seedStatus(obj: KubeObject) {
  const { status, ...rest } = obj;
  await client.create(rest as KubeObject);
  const ref = {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    namespace: obj.metadata.namespace,
    name: obj.metadata.name,
  };
  await client.patchStatus(ref, status);
}

before(async () => {
  if (skip) return;
  api = await startKubeApiServer({
    crds: true,
    namespaces: ['semamesh-system', 'team-a'],
    reviews: { users: USERS, allowed },
  });
  client = new K8sClient(api.kubeconfig);
  ctl = await startController(testControllerConfig({ consolePort: 0, consoleHost: '127.0.0.1' }), {
    client,
    log: () => {},
  });
  await client.create({
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaPolicy',
    metadata: { name: 'guard', namespace: 'team-a' },
    spec: {
      rules: [
        {
          name: 'no-db-drops',
          intentMatches: ['drop database'],
          riskLevel: 'Critical',
          action: 'BLOCK',
          message: 'dropping databases needs a ticket',
        },
      ],
    },
  });
  await seedStatus({
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaQuota',
    metadata: { name: 'team-budget', namespace: 'team-a' },
    spec: { limits: [{ window: 'day', costUSD: 50 }] },
    status: {
      usage: [{ window: 'day', tokens: 1200, costUSD: 12.5, requests: 3, resetAt: '2030-01-01T00:00:00Z' }],
    },
  });
  await client.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'agent-0', namespace: 'team-a', annotations: { 'semamesh.io/action': 'PAUSE' } },
    spec: { containers: [{ name: 'agent', image: 'agent:1' }] },
  });
  await seedStatus({
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaIncident',
    metadata: { name: 'agent-0-pause', namespace: 'team-a' },
    spec: {
      agent: { namespace: 'team-a', pod: 'agent-0', serviceAccount: 'agent' },
      policy: 'team-a/guard',
      rule: 'hold-deletes',
      reason: 'delete:namespace matched',
      action: 'PAUSE',
      detectedAt: new Date().toISOString(),
      requestDigest: 'a'.repeat(64),
    },
    status: { phase: 'Paused' },
  });
  mock = await createMockLlm({ port: 0, tokenizer: 'approx' });
  reporter = decisionReporter({ url: `${ctl.consoleUrl}api/decisions`, token: 'node-token', intervalMs: 50 });
  waypoint = await createWaypoint({
    port: 0,
    adminPort: 0,
    routes: [{ provider: 'openai', upstream: mock.url }],
    // A namespaced policy governs its own namespace's agents only: this agent runs in team-a.
    identify: () => ({ namespace: 'team-a', pod: 'agent-0' }),
    bundleSource: pollerBundleSource({ url: ctl.bundleUrl, waitSeconds: 2, backoffBaseMs: 50 }),
    auditStream: auditTap(undefined, reporter.add),
  });
  const { url } = await waypoint.listen();
  openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${url}/v1`, maxRetries: 0 });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await waypoint?.close();
  await reporter?.stop();
  await mock?.close();
  await ctl?.close();
  await api?.close();
});

const call = (path: string, token?: string, method = 'GET') =>
  fetch(new URL(path, ctl.consoleUrl), {
    method,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });

test('the API refuses anonymous users, unknown tokens and users RBAC does not allow', { skip }, async () => {
  const anonymous = await call('api/snapshot');
  assert.equal(anonymous.status, 401);
  assert.equal(((await anonymous.json()) as { code: string }).code, 'SM_ERR_CONSOLE_UNAUTHENTICATED');
  assert.equal((await call('api/snapshot', 'made-up')).status, 401);
  assert.equal((await call('api/snapshot', 'node-token')).status, 403);
  assert.equal((await call('api/snapshot', 'bob-token')).status, 200);
  const approve = await call('api/incidents/team-a/agent-0-pause/approve', 'bob-token', 'POST');
  assert.equal(approve.status, 403);
  assert.match(
    ((await approve.json()) as { message: string }).message,
    /bob may not patch semaincidents\/status/,
  );
  const report = await fetch(new URL('api/decisions', ctl.consoleUrl), {
    method: 'POST',
    headers: { authorization: 'Bearer alice-token', 'content-type': 'application/json' },
    body: '[]',
  });
  assert.equal(report.status, 403, 'people cannot forge decisions');
});

async function signIn(token: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(ctl.consoleUrl!);
  await page.getByLabel('Kubernetes bearer token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Recent decisions' }).waitFor();
  return page;
}

test('a blocked prompt reported by the waypoint appears on the page', { skip }, async () => {
  await waitFor('the first bundle', () => waypoint.holder.revision !== undefined, 15_000);
  const page = await signIn('alice-token');
  await assert.rejects(
    openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'drop database customers' }],
    }),
    (err: { status?: number }) => err.status === 403,
  );
  const row = page.locator('tr[data-action="BLOCK"]').first();
  await row.waitFor();
  assert.match(
    (await row.textContent()) ?? '',
    /team-a\/guard\/no-db-drops: dropping databases needs a ticket/,
  );
  await page.close();
});

test('a paused agent is approved from the page, as the signed-in user', { skip }, async () => {
  const page = await signIn('alice-token');
  await page.getByRole('button', { name: 'Approve team-a/agent-0' }).click();
  await page.getByText('Approved team-a/agent-0 as alice.').waitFor();
  const incident = await client.get<KubeObject>({
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaIncident',
    namespace: 'team-a',
    name: 'agent-0-pause',
  });
  const status = incident.status as { phase: string; decidedBy: string };
  assert.equal(status.phase, 'Approved');
  assert.equal(status.decidedBy, 'alice');
  await page.close();
});

test('the budget view shows the spend the controller recorded', { skip }, async () => {
  const page = await signIn('alice-token');
  const row = page.locator('tr[data-quota="team-a/team-budget"]');
  await row.waitFor();
  assert.match((await row.textContent()) ?? '', /\$12\.50 \/ \$50\.00 \(25%\)/);
  const policy = page.getByRole('row', { name: /^team-a\/guard 1 enforce True/ });
  await policy.waitFor();
  await page.screenshot({
    path: screenshotPath('console-cluster.png'),
    fullPage: true,
  });
  await page.close();
});
