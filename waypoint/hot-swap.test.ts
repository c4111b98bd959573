// Live bundle updates under load: 8 workers send requests continuously through the waypoint while
// 100 signed bundles (two real compiled policies, alternating) arrive from the real bundle server
// through the poller as `semamesh waypoint --bundle-url` composes it; no request may fail, bad
// bundles are rejected with the old policy kept, and the last bundle is the policy in force.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fetch } from 'undici';
import type { SemaPolicy } from '../api/index.js';
import { pollerBundleSource } from '../cli/commands/waypoint.js';
import { type SigningKey, signBundle } from '../controller/bundle-server/signing.js';
import { sampleBundle, startBundleServer } from '../controller/bundle-server/testing.js';
import { compileResources } from '../engine/index.js';
import { startStack } from './testing/harness.js';

const KEY = { algorithm: 'HS256', secret: 'hot-swap-secret' } as const satisfies SigningKey;
const SWAPS = 100;
const WORKERS = 8;
const MIN_REQUESTS = 2000;

function policy(action: 'BLOCK' | 'ALLOW'): SemaPolicy {
  return {
    apiVersion: 'semamesh.io/v1alpha1',
    kind: 'SemaPolicy',
    metadata: { name: 'no-drops', namespace: 'default' },
    spec: {
      enforcement: 'enforce',
      rules: [{ name: 'no-drops', intentMatches: ['drop database'], action, message: 'no dropping' }],
    },
  } as SemaPolicy;
}

/** The compiled, unsigned bundle of a policy. */
function compiled(action: 'BLOCK' | 'ALLOW', revision: string): Uint8Array {
  const out = compileResources({ policies: [policy(action)] }, { revision, tenancy: 'single' });
  assert.ok(out.bundle, `the ${action} policy compiles`);
  return out.bundle;
}

function bundle(action: 'BLOCK' | 'ALLOW', revision: string): Uint8Array {
  return signBundle(compiled(action, revision), KEY);
}

async function until(cond: () => boolean, what: string | (() => string)): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  assert.fail(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
}

/** The HTTP status the waypoint gives a prompt every blocking test policy refuses. */
async function dropDatabaseStatus(url: string): Promise<number> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'drop the database' }],
    }),
  });
  await res.body?.cancel();
  return res.status;
}

/** A bundle server publishing `block` and a waypoint long-polling it, once that bundle is in force. */
async function servingBlockBundle(block: Uint8Array) {
  const srv = await startBundleServer();
  srv.server.publish('wp', block, 'block');
  const stack = await startStack({
    bundleSource: pollerBundleSource({
      url: `${srv.origin}/bundles/wp`,
      key: KEY,
      waitSeconds: 30,
      backoffBaseMs: 5,
    }),
  });
  await until(() => stack.wp.holder.revision === 'block', 'the first bundle');
  return { srv, stack };
}

test('100 bundle swaps under continuous load: no failed request, the last policy in force', async (t) => {
  // Each swap publishes a bundle signed then, as the controller does: the poller refuses a bundle
  // signed before the one in force, so re-publishing one signing of `block` after an `allow` signed
  // a second later would be a (correctly refused) rollback, which is what failed this test under load.
  const block = compiled('BLOCK', 'block');
  const allow = compiled('ALLOW', 'allow');
  const { srv, stack } = await servingBlockBundle(signBundle(block, KEY));
  const { wp } = stack;
  try {
    assert.equal((await fetch(`${stack.adminUrl}/readyz`)).status, 200);

    let stop = false;
    const tally = { ok: 0, blocked: 0, failed: [] as string[] };
    const worker = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const drop = (i + w) % 2 === 0;
        try {
          const res = await fetch(`${stack.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
            body: JSON.stringify({
              model: 'gpt-4o-mini',
              messages: [
                { role: 'user', content: drop ? 'please drop the database now' : `hello ${w}/${i}` },
              ],
            }),
          });
          const body = (await res.json()) as { choices?: unknown[]; error?: { message?: string } };
          const code = res.headers.get('x-semamesh-error');
          if (res.status === 200 && Array.isArray(body.choices)) tally.ok++;
          else if (
            drop &&
            res.status === 403 &&
            code === 'SM_ERR_WAYPOINT_POLICY_BLOCK' &&
            body.error?.message
          )
            tally.blocked++;
          else tally.failed.push(`${res.status} ${code} drop=${drop} ${JSON.stringify(body).slice(0, 200)}`);
        } catch (err) {
          // A connection the waypoint dropped is a failed request too, not a silently ended worker.
          tally.failed.push(`drop=${drop} ${(err as Error).message} ${String((err as Error).cause ?? '')}`);
        }
      }
    };
    const workers = Array.from({ length: WORKERS }, (_, w) => worker(w));

    const loadsBefore = wp.bundles.loads;
    try {
      for (let n = 1; n <= SWAPS; n++) {
        // Odd swaps allow, even ones block; the 100th leaves the blocking policy in force.
        const name = n % 2 === 1 ? 'allow' : 'block';
        srv.server.publish('wp', signBundle(name === 'allow' ? allow : block, KEY), name);
        await until(() => wp.bundles.loads === loadsBefore + n && wp.holder.revision === name, `swap ${n}`);
        // Spread the swaps over the load so requests are in flight across them.
        await until(
          () => tally.ok + tally.blocked >= (MIN_REQUESTS * n) / SWAPS,
          () =>
            `traffic after swap ${n} (${tally.ok} allowed, ${tally.blocked} blocked, ${tally.failed.length} failed: ${tally.failed.slice(0, 3).join(' | ')})`,
        );
      }
    } finally {
      // The workers end before the stack closes, whatever happened: a request cut by the close
      // would hide the assertion that failed.
      stop = true;
      await Promise.allSettled(workers);
    }

    t.diagnostic(`${tally.ok} allowed + ${tally.blocked} blocked requests over ${SWAPS} swaps`);
    assert.deepEqual(tally.failed.slice(0, 5), [], `${tally.failed.length} failed requests`);
    assert.ok(tally.ok + tally.blocked >= MIN_REQUESTS);
    assert.ok(tally.blocked > 0, 'the blocking policy was in force for part of the run');
    assert.equal(wp.holder.revision, 'block');
    assert.equal(await dropDatabaseStatus(stack.url), 403);
  } finally {
    await stack.close();
    await srv.close();
  }
});

test('bad bundles are rejected and counted; the policy in force stays', async () => {
  const { srv, stack } = await servingBlockBundle(bundle('BLOCK', 'block'));
  const { wp } = stack;
  try {
    const bad: Array<[string, Uint8Array]> = [
      ['corrupt', new TextEncoder().encode('this is not a gzip tarball')],
      ['wrong-signature', signBundle(bundle('ALLOW', 'forged'), { algorithm: 'HS256', secret: 'other' })],
      // Signed correctly, but its policy.wasm is a bare header: loading it fails.
      ['unloadable', signBundle(sampleBundle('broken'), KEY)],
    ];
    for (const [i, [name, bytes]] of bad.entries()) {
      srv.server.publish('wp', bytes, name);
      await until(() => wp.bundles.rejections >= i + 1, `rejection of the ${name} bundle`);
      assert.equal(wp.holder.revision, 'block', `the ${name} bundle left the old policy in force`);
    }
    const metrics = await (await fetch(`${stack.adminUrl}/metrics`)).text();
    assert.match(metrics, /semamesh_waypoint_bundle_updates_total\{result="rejected"\} [3-9]/);
    assert.match(metrics, /semamesh_waypoint_bundle_updates_total\{result="loaded"\} 1/);
    assert.equal(await dropDatabaseStatus(stack.url), 403);
  } finally {
    await stack.close();
    await srv.close();
  }
});

test('until the first bundle loads, /readyz is 503 and requests are refused with NO_POLICY', async () => {
  const srv = await startBundleServer();
  const stack = await startStack({
    bundleSource: pollerBundleSource({
      url: `${srv.origin}/bundles/later`,
      key: KEY,
      waitSeconds: 30,
      backoffBaseMs: 5,
    }),
  });
  try {
    assert.equal((await fetch(`${stack.adminUrl}/readyz`)).status, 503);
    const res = await fetch(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hello' }] }),
    });
    assert.equal(res.status, 503);
    assert.equal(res.headers.get('x-semamesh-error'), 'SM_ERR_WAYPOINT_NO_POLICY');
    await res.body?.cancel();
    srv.server.publish('later', bundle('BLOCK', 'late'), 'late');
    await until(() => stack.wp.holder.revision === 'late', 'the late bundle');
    assert.equal((await fetch(`${stack.adminUrl}/readyz`)).status, 200);
  } finally {
    await stack.close();
    await srv.close();
  }
});
