// The waypoint's bundle poller against the real bundle server: successive revisions over long
// polling, signature refusals and recovery, backoff on a dead server, and a clean stop.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { ControllerError } from '../errors.js';
import { BundlePoller, type BundleUpdate, backoffDelay } from './poller.js';
import { signBundle, type VerificationKey } from './signing.js';
import { type RunningBundleServer, sampleBundle, startBundleServer } from './testing.js';

const key: VerificationKey = { algorithm: 'HS256', secret: 'poller-secret' };
let srv: RunningBundleServer;

before(async () => {
  srv = await startBundleServer({ token: 'tok' });
});
after(async () => {
  await srv.close();
});

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 2));
}

function publish(
  name: string,
  revision: string,
  signingKey: { algorithm: 'HS256'; secret: string } = key as never,
) {
  return srv.server.publish(name, signBundle(sampleBundle(revision), signingKey), revision);
}

test('the poller hands over three successive revisions, each verified', async () => {
  const seen: BundleUpdate[] = [];
  publish('seq', 'r1');
  const poller = new BundlePoller({
    url: `${srv.origin}/bundles/seq`,
    token: 'tok',
    key,
    waitSeconds: 60,
    onBundle: (u) => {
      seen.push(u);
    },
  });
  poller.start();
  try {
    await until(() => seen.length === 1);
    await until(() => srv.server.waiting === 1);
    publish('seq', 'r2');
    await until(() => seen.length === 2);
    await until(() => srv.server.waiting === 1);
    publish('seq', 'r3');
    await until(() => seen.length === 3);
  } finally {
    await poller.stop();
  }
  assert.deepEqual(
    seen.map((u) => u.revision),
    ['r1', 'r2', 'r3'],
  );
  assert.deepEqual(seen[2].bundle.data, { limits: { max: 3 } });
  assert.equal(poller.etag, srv.server.get('seq')?.etag);
  assert.equal(poller.revision, 'r3');
  assert.ok(seen.every((u) => u.claims?.files.some((f) => f.name === 'policy.wasm')));
  await until(() => srv.server.waiting === 0);
});

test('a bundle signed with another key is refused; the next good one is accepted', async () => {
  const seen: string[] = [];
  const errors: ControllerError[] = [];
  publish('sig', 'evil', { algorithm: 'HS256', secret: 'attacker' });
  const poller = new BundlePoller({
    url: `${srv.origin}/bundles/sig`,
    token: 'tok',
    key,
    backoffBaseMs: 5,
    backoffMaxMs: 20,
    onBundle: (u) => {
      seen.push(u.revision);
    },
    onError: (e) => errors.push(e),
  });
  poller.start();
  try {
    await until(() => errors.length >= 2);
    assert.equal(errors[0].code, 'SM_ERR_BUNDLE_SIG_INVALID');
    assert.equal(poller.etag, '');
    publish('sig', 'good');
    await until(() => seen.length === 1);
  } finally {
    await poller.stop();
  }
  assert.deepEqual(seen, ['good']);
  assert.equal(poller.failureCount, 0);
});

test('an unsigned bundle is refused when a key is configured', async () => {
  srv.server.publish('unsigned', sampleBundle('u'), 'u');
  const poller = new BundlePoller({
    url: `${srv.origin}/bundles/unsigned`,
    token: 'tok',
    key,
    onBundle: () => {},
  });
  await assert.rejects(poller.pollOnce(), { code: 'SM_ERR_BUNDLE_SIG_MISSING' });
});

test('a failing onBundle does not advance the ETag, so the bundle is fetched again', async () => {
  publish('retry', 'x');
  let calls = 0;
  const poller = new BundlePoller({
    url: `${srv.origin}/bundles/retry`,
    token: 'tok',
    key,
    onBundle: () => {
      calls++;
      if (calls === 1) throw new Error('policy failed to load');
    },
  });
  await assert.rejects(poller.pollOnce(), /policy failed to load/);
  assert.equal(poller.etag, '');
  assert.deepEqual(await poller.pollOnce(), { updated: true, longPoll: true });
  assert.equal(calls, 2);
});

test('HTTP errors and a dead server back off, report coded errors, and stop cleanly', async () => {
  const noAuth = new BundlePoller({ url: `${srv.origin}/bundles/seq`, key, onBundle: () => {} });
  await assert.rejects(noAuth.pollOnce(), (e: ControllerError) => {
    assert.equal(e.code, 'SM_ERR_CONTROLLER_BUNDLE_FETCH');
    assert.match(e.message, /HTTP 401/);
    return true;
  });
  const dead = await startBundleServer();
  const url = `${dead.origin}/bundles/x`;
  await dead.close();
  const errors: ControllerError[] = [];
  const poller = new BundlePoller({
    url,
    key,
    backoffBaseMs: 1,
    backoffMaxMs: 4,
    onBundle: () => {},
    onError: (e) => errors.push(e),
  });
  poller.start();
  await until(() => errors.length >= 3);
  await poller.stop();
  assert.ok(errors.every((e) => e.code === 'SM_ERR_CONTROLLER_BUNDLE_FETCH'));
  assert.ok(poller.failureCount >= 3);
});

test('stop() aborts a held long poll', async () => {
  publish('held', 'h');
  const poller = new BundlePoller({
    url: `${srv.origin}/bundles/held`,
    token: 'tok',
    key,
    onBundle: () => {},
  });
  poller.start();
  await until(() => poller.revision === 'h' && srv.server.waiting === 1);
  await poller.stop();
  await until(() => srv.server.waiting === 0);
});

test('backoff grows exponentially with jitter and is capped', () => {
  assert.equal(
    backoffDelay(1, 100, 10_000, () => 0),
    50,
  );
  assert.equal(
    backoffDelay(1, 100, 10_000, () => 1),
    100,
  );
  assert.equal(
    backoffDelay(4, 100, 10_000, () => 0),
    400,
  );
  assert.equal(
    backoffDelay(40, 100, 10_000, () => 1),
    10_000,
  );
});
