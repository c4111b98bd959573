// The whole policy path with every real piece: a SemaPolicy applied to the API server → the controller
// compiles and serves a signed-less bundle → a waypoint long-polls it and swaps → the real `openai`
// client is refused; editing the policy to AUDIT ships a new bundle and the same prompt goes through.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { pollerBundleSource } from '../../cli/commands/waypoint.js';
import { type RunningController, startController } from '../../controller/main.js';
import { testControllerConfig, waitFor } from '../../controller/testing.js';
import { K8sClient } from '../../kube/index.js';
import { createWaypoint, type Waypoint } from '../../waypoint/index.js';
import { type KubeApiServer, startKubeApiServer } from '../kube-api-server/index.js';
import { createMockLlm, type MockLlm } from '../mock-llm/index.js';

const PROMPT = 'I want to delete the production database';

let api: KubeApiServer;
let ctl: RunningController;
let client: K8sClient;
let mock: MockLlm;
let waypoint: Waypoint;
let openai: OpenAI;

before(async () => {
  api = await startKubeApiServer({ crds: true, namespaces: ['semamesh-system', 'team-a'] });
  client = new K8sClient(api.kubeconfig);
  ctl = await startController(testControllerConfig(), { client, log: () => {} });
  mock = await createMockLlm({ port: 0, tokenizer: 'approx' });
  waypoint = await createWaypoint({
    port: 0,
    adminPort: 0,
    routes: [{ provider: 'openai', upstream: mock.url }],
    bundleSource: pollerBundleSource({ url: ctl.bundleUrl, waitSeconds: 2, backoffBaseMs: 50 }),
    auditStream: new PassThrough(),
    // The agent runs in team-a (the eBPF/cgroup lookup says so on a node): team-a's policy governs it.
    identify: () => ({ namespace: 'team-a', pod: 'agent-0' }),
  });
  const { url } = await waypoint.listen();
  openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${url}/v1`, maxRetries: 0 });
});

after(async () => {
  await waypoint?.close();
  await mock?.close();
  await ctl?.close();
  await api?.close();
});

function policy(action: string) {
  return {
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaPolicy',
    metadata: { name: 'no-db-deletes', namespace: 'team-a' },
    spec: {
      rules: [{ name: 'no-db-deletes', intentMatches: ['drop database'], action, riskLevel: 'Critical' }],
    },
  };
}

/** The outcome of the reference prompt through the waypoint: 'refused' (403) or 'answered'. */
async function outcome(): Promise<'refused' | 'answered'> {
  try {
    await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: PROMPT }] });
    return 'answered';
  } catch (err) {
    if (err instanceof OpenAI.PermissionDeniedError) return 'refused';
    throw err;
  }
}

test('apply → controller compiles → waypoint polls and swaps → blocked; edit → new bundle → audited', async () => {
  await client.create(policy('BLOCK'));
  // The controller may first publish the bundle of an empty set; the policy's bundle follows.
  await waitFor(
    'the blocking policy to reach the waypoint',
    async () => (await outcome()) === 'refused',
    20_000,
  );
  mock.reset();
  assert.equal(await outcome(), 'refused');
  assert.equal(mock.requests.length, 0, 'a refused prompt never reaches the LLM');

  await client.mergePatch(
    { apiVersion: 'semamesh.io/v1alpha1', kind: 'SemaPolicy', namespace: 'team-a', name: 'no-db-deletes' },
    { spec: policy('AUDIT').spec },
  );
  await waitFor(
    'the edited policy to reach the waypoint',
    async () => (await outcome()) === 'answered',
    20_000,
  );
  assert.ok(mock.requests.some((r) => JSON.stringify(r.body).includes('delete the production database')));
});
