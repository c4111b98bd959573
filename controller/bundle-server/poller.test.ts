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

// --- Issue 15: bundles only move forward, and downloads are bounded --------------------------------

test('an older signed bundle is refused (rollback), across a restart through the state file', async () => {
  const { mkdtempSync, readFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const stateFile = join(mkdtempSync(join(tmpdir(), 'sm-poller-')), 'enforced.json');
  const seen: string[] = [];
  const signed = (revision: string, iat: number) =>
    srv.server.publish('mono', signBundle(sampleBundle(revision), key as never, { issuedAt: iat }), revision);
  const poller = () =>
    new BundlePoller({
      url: `${srv.origin}/bundles/mono`,
      token: 'tok',
      key,
      waitSeconds: 0,
      stateFile,
      onBundle: (u) => {
        seen.push(u.revision);
      },
    });
  signed('new', 2_000_000_000);
  const first = poller();
  assert.deepEqual(await first.pollOnce(), { updated: true, longPoll: true });
  assert.deepEqual(JSON.parse(readFileSync(stateFile, 'utf8')), { iat: 2_000_000_000, revision: 'new' });
  // A captured, validly signed older bundle served again (a compromised or stale server).
  signed('old', 1_900_000_000);
  await assert.rejects(
    first.pollOnce(),
    (e: ControllerError) => e.code === 'SM_ERR_CONTROLLER_BUNDLE_ROLLBACK',
  );
  // After a restart, the floor is still there.
  const restarted = poller();
  assert.equal(restarted.enforcedState?.iat, 2_000_000_000);
  await assert.rejects(
    restarted.pollOnce(),
    (e: ControllerError) => e.code === 'SM_ERR_CONTROLLER_BUNDLE_ROLLBACK',
  );
  signed('newer', 2_000_000_100);
  await restarted.pollOnce();
  assert.deepEqual(seen, ['new', 'newer']);
});

test('a bundle download past the byte bound is aborted, streamed, never buffered whole', async () => {
  const { createServer } = await import('node:http');
  let written = 0;
  let declaredServed = false;
  const server = createServer((req, res) => {
    if (req.url === '/declared') {
      declaredServed = true;
      res.writeHead(200, { 'content-length': String(400 * 1024 * 1024) });
      res.write(Buffer.alloc(1024));
      return; // never finishes: the client must not wait for 400 MB
    }
    res.writeHead(200, { 'content-type': 'application/gzip' });
    const chunk = Buffer.alloc(64 * 1024, 1);
    // Endless body until the client hangs up; `written` shows how much the client let through.
    const pump = () => {
      while (!res.destroyed && written < 400 * 1024 * 1024) {
        written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
    };
    res.on('close', () => res.destroy());
    pump();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  try {
    const endless = new BundlePoller({
      url: `http://127.0.0.1:${port}/endless`,
      waitSeconds: 0,
      maxDownloadBytes: 1024 * 1024,
      onBundle: () => assert.fail('nothing may be handed over'),
    });
    await assert.rejects(
      endless.pollOnce(),
      (e: ControllerError) => e.code === 'SM_ERR_CONTROLLER_BUNDLE_TOO_LARGE',
    );
    // Socket buffers let a few MB through at most; before the bound the client read all 400 MB.
    assert.ok(written < 64 * 1024 * 1024, `the server wrote ${written} bytes before the client hung up`);
    const declared = new BundlePoller({
      url: `http://127.0.0.1:${port}/declared`,
      waitSeconds: 0,
      maxDownloadBytes: 1024 * 1024,
      onBundle: () => assert.fail('nothing may be handed over'),
    });
    await assert.rejects(
      declared.pollOnce(),
      (e: ControllerError) => e.code === 'SM_ERR_CONTROLLER_BUNDLE_TOO_LARGE',
    );
    assert.ok(declaredServed);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
