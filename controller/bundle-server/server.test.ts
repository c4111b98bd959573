// The bundle HTTP API: 200 with a strong ETag, 304 on If-None-Match, long polls held until a publish
// (or their wait) ends, bearer auth, and 100 long-pollers woken by one publish.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Agent, request } from 'undici';
import { BUNDLE_CONTENT_TYPE, BundleServer, etagMatches, preferWait } from './server.js';
import { type RunningBundleServer, sampleBundle, startBundleServer } from './testing.js';

let srv: RunningBundleServer;
const agent = new Agent({ connections: 200 });

before(async () => {
  srv = await startBundleServer();
});
after(async () => {
  await srv.close();
  await agent.close();
});

function get(path: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' | 'POST' = 'GET') {
  return request(`${srv.origin}${path}`, { method, headers, dispatcher: agent });
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 2));
}

test('publish → 200 with a sha256 ETag and the bundle media type → 304 on If-None-Match', async () => {
  const bytes = sampleBundle('r1');
  const published = srv.server.publish('semamesh', bytes, 'r1');
  assert.equal(published.etag, `"${createHash('sha256').update(bytes).digest('hex')}"`);
  const res = await get('/bundles/semamesh');
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], BUNDLE_CONTENT_TYPE);
  assert.equal(res.headers.etag, published.etag);
  assert.deepEqual(new Uint8Array(await res.body.arrayBuffer()), bytes);
  const again = await get('/bundles/semamesh', { 'if-none-match': published.etag });
  assert.equal(again.statusCode, 304);
  assert.equal(again.headers.etag, published.etag);
  assert.equal(await again.body.text(), '');
  const stale = await get('/bundles/semamesh', { 'if-none-match': '"stale"' });
  assert.equal(stale.statusCode, 200);
  await stale.body.dump();
  const head = await get('/bundles/semamesh', {}, 'HEAD');
  assert.equal(head.statusCode, 200);
  assert.equal(head.headers['content-length'], String(bytes.length));
  await head.body.dump();
});

test('unknown bundles, bad paths and other methods get coded errors', async () => {
  for (const path of ['/bundles/nope', '/bundles/../x', '/other', '/bundles/%E0%A4%A']) {
    const res = await get(path);
    assert.equal(res.statusCode, 404, path);
    assert.equal(((await res.body.json()) as { code: string }).code, 'SM_ERR_CONTROLLER_BUNDLE_NOT_FOUND');
  }
  const post = await get('/bundles/semamesh', {}, 'POST');
  assert.equal(post.statusCode, 405);
  assert.equal(((await post.body.json()) as { code: string }).code, 'SM_ERR_CONTROLLER_METHOD');
  assert.throws(() => srv.server.publish('../etc', sampleBundle(), 'x'), /invalid bundle name/);
  assert.throws(() => srv.server.publish('ok', new Uint8Array(), 'x'), /empty body/);
});

test('a long poll is held while the ETag matches and answered with the new bundle on publish', async () => {
  const first = srv.server.publish('lp', sampleBundle('a'), 'a');
  const pending = get('/bundles/lp', { 'if-none-match': first.etag, prefer: 'modes=snapshot,delta;wait=60' });
  await until(() => srv.server.waiting === 1);
  const next = srv.server.publish('lp', sampleBundle('b'), 'b');
  const res = await pending;
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers.etag, next.etag);
  assert.deepEqual(new Uint8Array(await res.body.arrayBuffer()), sampleBundle('b'));
  assert.equal(srv.server.waiting, 0);
});

test('a long poll whose wait expires gets 304; republishing identical bytes wakes nobody', async () => {
  const cur = srv.server.publish('expire', sampleBundle('e'), 'e');
  const pending = get('/bundles/expire', { 'if-none-match': cur.etag, prefer: 'wait=1' });
  await until(() => srv.server.waiting === 1);
  srv.server.publish('expire', sampleBundle('e'), 'e');
  assert.equal(srv.server.waiting, 1);
  const res = await pending;
  assert.equal(res.statusCode, 304);
  assert.equal(res.headers['content-type'], BUNDLE_CONTENT_TYPE);
  await res.body.dump();
});

test('a long poll for a bundle not yet published is answered by its first publish', async () => {
  const pending = get('/bundles/later', { prefer: 'wait=60' });
  await until(() => srv.server.waiting === 1);
  srv.server.publish('later', sampleBundle('first'), 'first');
  const res = await pending;
  assert.equal(res.statusCode, 200);
  await res.body.dump();
});

test('100 long-pollers are all woken by one publish', async () => {
  const cur = srv.server.publish('many', sampleBundle('m1'), 'm1');
  const polls = Array.from({ length: 100 }, () =>
    get('/bundles/many', { 'if-none-match': cur.etag, prefer: 'wait=120' }),
  );
  await until(() => srv.server.waiting === 100);
  const next = srv.server.publish('many', sampleBundle('m2'), 'm2');
  const results = await Promise.all(
    polls.map(async (p) => {
      const res = await p;
      await res.body.dump();
      return [res.statusCode, res.headers.etag];
    }),
  );
  assert.equal(results.length, 100);
  for (const r of results) assert.deepEqual(r, [200, next.etag]);
});

test('a client that disconnects during a long poll is forgotten', async () => {
  const cur = srv.server.publish('gone', sampleBundle('g'), 'g');
  const ac = new AbortController();
  const pending = request(`${srv.origin}/bundles/gone`, {
    headers: { 'if-none-match': cur.etag, prefer: 'wait=60' },
    signal: ac.signal,
    dispatcher: agent,
  });
  await until(() => srv.server.waiting === 1);
  ac.abort();
  await assert.rejects(pending);
  await until(() => srv.server.waiting === 0);
});

test('bearer auth: requests without the token get 401', async () => {
  const authed = await startBundleServer({ token: 's3cret' });
  try {
    authed.server.publish('semamesh', sampleBundle(), 'r1');
    const no = await request(`${authed.origin}/bundles/semamesh`);
    assert.equal(no.statusCode, 401);
    assert.match(String(no.headers['www-authenticate']), /^Bearer/);
    assert.equal(((await no.body.json()) as { code: string }).code, 'SM_ERR_CONTROLLER_UNAUTHORIZED');
    const wrong = await request(`${authed.origin}/bundles/semamesh`, {
      headers: { authorization: 'Bearer nope' },
    });
    assert.equal(wrong.statusCode, 401);
    await wrong.body.dump();
    const ok = await request(`${authed.origin}/bundles/semamesh`, {
      headers: { authorization: 'Bearer s3cret' },
    });
    assert.equal(ok.statusCode, 200);
    await ok.body.dump();
  } finally {
    await authed.close();
  }
});

test('close() answers held long polls with 304', async () => {
  const local = await startBundleServer();
  const cur = local.server.publish('b', sampleBundle(), 'r');
  const pending = request(`${local.origin}/bundles/b`, {
    headers: { 'if-none-match': cur.etag, prefer: 'wait=60' },
  });
  await until(() => local.server.waiting === 1);
  await local.close();
  const res = await pending;
  assert.equal(res.statusCode, 304);
  await res.body.dump();
});

test('Prefer and If-None-Match parsing', () => {
  assert.equal(preferWait('wait=30'), 30);
  assert.equal(preferWait('modes=snapshot,delta;wait=15'), 15);
  assert.equal(preferWait(['respond-async', 'wait=5']), 5);
  assert.equal(preferWait('handling=lenient'), 0);
  assert.equal(preferWait(undefined), 0);
  assert.ok(etagMatches('"a", "b"', '"b"'));
  assert.ok(etagMatches('W/"b"', '"b"'));
  assert.ok(etagMatches('*', '"b"'));
  assert.ok(!etagMatches('"a"', '"b"'));
  assert.ok(!etagMatches(undefined, '"b"'));
});

test('a replica that does not lead serves no bundle: 503 at once, held long polls released, old bundle dropped', async () => {
  const own = await startBundleServer();
  try {
    own.server.publish('ha', sampleBundle('old'), 'old');
    const held = request(`${own.origin}/bundles/ha`, {
      headers: { prefer: 'wait=60', 'if-none-match': own.server.get('ha')!.etag },
      dispatcher: agent,
    });
    await until(() => own.server.waiting === 1);
    // Deposed: the held poll is answered, and nothing stale is served afterwards.
    own.server.setServing(false);
    const released = await held;
    assert.equal(released.statusCode, 503);
    assert.equal(((await released.body.json()) as { code: string }).code, 'SM_ERR_CONTROLLER_NOT_LEADER');
    const res = await request(`${own.origin}/bundles/ha`, { dispatcher: agent });
    assert.equal(res.statusCode, 503);
    assert.equal(res.headers['retry-after'], '2');
    await res.body.dump();
    assert.equal(own.server.get('ha'), undefined);
    assert.throws(() => own.server.publish('ha', sampleBundle('late'), 'late'), /does not lead/);
    // Leading again: serves what the new term publishes.
    own.server.setServing(true);
    own.server.publish('ha', sampleBundle('new'), 'new');
    const fresh = await request(`${own.origin}/bundles/ha`, { dispatcher: agent });
    assert.equal(fresh.statusCode, 200);
    await fresh.body.dump();
  } finally {
    await own.close();
  }
});

test('the per-request leadership check answers 503 before setServing(false) is ever called', async () => {
  let leading = true;
  const own = await startBundleServer({ leading: () => leading });
  try {
    own.server.publish('ha', sampleBundle('r'), 'r');
    const ok = await request(`${own.origin}/bundles/ha`, { dispatcher: agent });
    assert.equal(ok.statusCode, 200);
    await ok.body.dump();
    leading = false;
    const res = await request(`${own.origin}/bundles/ha`, { dispatcher: agent });
    assert.equal(res.statusCode, 503);
    assert.equal(((await res.body.json()) as { code: string }).code, 'SM_ERR_CONTROLLER_NOT_LEADER');
  } finally {
    await own.close();
  }
});

test('with an authenticator: 401 and 403 come from it, and a review that cannot run answers 503 (fail closed)', async () => {
  const seen: (string | undefined)[] = [];
  const guarded = await startBundleServer({
    authenticate: async (token) => {
      seen.push(token);
      if (token === 'node')
        return { ok: true, username: 'system:serviceaccount:semamesh-system:semamesh-node' };
      if (token === 'other') return { ok: false, status: 403, reason: 'other may not fetch bundles' };
      if (token === 'down') throw new Error('connect ECONNREFUSED');
      return { ok: false, status: 401, reason: 'a bearer token is required' };
    },
  });
  try {
    guarded.server.publish('semamesh', sampleBundle('r1'), 'r1');
    const at = (token?: string) =>
      request(`${guarded.origin}/bundles/semamesh`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
        dispatcher: agent,
      });
    const ok = await at('node');
    assert.equal(ok.statusCode, 200);
    await ok.body.dump();
    for (const [token, status, code] of [
      [undefined, 401, 'SM_ERR_CONTROLLER_UNAUTHORIZED'],
      ['other', 403, 'SM_ERR_CONTROLLER_FORBIDDEN'],
      ['down', 503, 'SM_ERR_CONTROLLER_UNAUTHORIZED'],
    ] as const) {
      const res = await at(token);
      assert.equal(res.statusCode, status, String(token));
      assert.equal(((await res.body.json()) as { code: string }).code, code);
    }
    assert.deepEqual(seen, ['node', undefined, 'other', 'down']);
    assert.throws(
      () => new BundleServer({ token: 't', authenticate: async () => ({ ok: true, username: 'x' }) }),
    );
  } finally {
    await guarded.close();
  }
});

test('HTTPS only when given a certificate; reloadTls serves a renewed one to new connections', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sm-bundle-tls-'));
  const selfSigned = (name: string) => {
    const r = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1']
        .concat(['-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1'])
        .concat(['-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`)]),
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    return { cert: readFileSync(join(dir, `${name}.crt`)), key: readFileSync(join(dir, `${name}.key`)) };
  };
  const [a, b] = [selfSigned('first'), selfSigned('renewed')];
  const tls = new BundleServer({ tls: a });
  const { port } = await tls.listen(0, '127.0.0.1');
  tls.publish('semamesh', sampleBundle('r1'), 'r1');
  const pinned = (ca: Buffer) => new Agent({ connect: { ca }, pipelining: 0 });
  const fetchWith = async (ca: Buffer) => {
    const d = pinned(ca);
    try {
      const res = await request(`https://127.0.0.1:${port}/bundles/semamesh`, { dispatcher: d });
      await res.body.dump();
      return res.statusCode;
    } finally {
      await d.close();
    }
  };
  try {
    assert.equal(tls.scheme, 'https');
    assert.equal(await fetchWith(a.cert), 200);
    tls.reloadTls(b);
    assert.equal(await fetchWith(b.cert), 200);
    await assert.rejects(fetchWith(a.cert), /certificate|self.signed/i);
    assert.throws(() => new BundleServer().reloadTls(b), /without TLS/);
  } finally {
    await tls.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
