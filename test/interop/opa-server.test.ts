// The real `opa run --server` pulling from our bundle service (controller/bundle-server, as the
// controller runs it: bearer token, signed bundles, ETag, long polling): opa activates the bundle,
// a new revision reaches it through a held long poll, an unchanged one costs a 304, and opa's
// decisions, made by its wasm engine running our policy.wasm, equal the waypoint's on the same module.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import type { SemaPolicy } from '../../api/index.js';
import { freePort as freeHostPort } from '../../bpf/src/test-env.js';
import { BundleServer, preferWait } from '../../controller/bundle-server/server.js';
import { type SigningKey, signBundle } from '../../controller/bundle-server/signing.js';
import { compileResources, readBundle, writeBundle } from '../../engine/index.js';
import { findWasmOpa } from '../../engine/reference/opa.js';
import { loadWasmEngine } from '../../waypoint/policy/wasm-engine.js';

const opaBin = findWasmOpa();
const { skip } = opaBin;
const ROOT = join(import.meta.dirname, '..', '..');
const KEY: SigningKey = { algorithm: 'HS256', secret: `interop-${process.pid}-secret`, keyId: 'semamesh' };
const TOKEN = `token-${process.pid}`;
const NAME = 'semamesh';

/** One bundle request as our service saw it. */
interface Seen {
  start: number;
  end?: number;
  status?: number;
  ifNoneMatch?: string;
  wait: number;
  etag?: string;
}

const seen: Seen[] = [];
const bundles = new BundleServer({ token: TOKEN });
let http: Server;
let opa: ChildProcess | undefined;
let opaUrl = '';
let opaLog = '';
const dir = mkdtempSync(join(tmpdir(), 'sm-interop-opa-'));

/** Outside the ephemeral range: see bpf/src/test-env.ts freePort. */
function freePort(): Promise<number> {
  return freeHostPort('127.0.0.1');
}

function policy(action: string): SemaPolicy {
  const p = parse(readFileSync(join(ROOT, 'examples', 'sample-policy.yaml'), 'utf8')) as SemaPolicy;
  p.spec.rules[0].action = action as SemaPolicy['spec']['rules'][number]['action'];
  return p;
}

/** The controller's bundle for a policy (wasm, as waypoints load it). */
function controllerBundle(action: string, revision: string): Uint8Array {
  const r = compileResources({ policies: [policy(action)], quotas: [] }, { revision });
  assert.ok(r.bundle, JSON.stringify(r.diagnostics));
  return r.bundle;
}

/**
 * The controller's bundle without its Rego: opa can then only answer through its own wasm engine
 * running our policy.wasm (with the Rego present, opa evaluates the Rego and never calls the module).
 */
function wasmOnly(bytes: Uint8Array): Uint8Array {
  const b = readBundle(bytes);
  assert.ok(b.wasm && (b.manifest.wasm ?? []).length > 0, 'the controller bundle carries policy.wasm');
  return writeBundle({ manifest: b.manifest, data: b.data, wasm: b.wasm });
}

function publish(action: string, revision: string) {
  const wasm = controllerBundle(action, revision);
  bundles.publish(NAME, signBundle(wasmOnly(wasm), KEY), revision);
  return wasm;
}

async function get(path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${opaUrl}${path}`);
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; opa said:\n${opaLog}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const revision = async () => {
  const r = await get(`/v1/data/system/bundles/${NAME}/manifest/revision`);
  return (r.body as { result?: string } | undefined)?.result;
};

before(async () => {
  if (skip) return;
  http = createServer((req, res) => {
    const s: Seen = {
      start: Date.now(),
      ifNoneMatch: req.headers['if-none-match'],
      wait: preferWait(req.headers.prefer),
    };
    seen.push(s);
    res.on('finish', () => {
      s.end = Date.now();
      s.status = res.statusCode;
      s.etag = res.getHeader('etag') as string | undefined;
    });
    bundles.handle(req, res);
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const { port } = http.address() as AddressInfo;
  publish('BLOCK', 'rev-1');
  const config = {
    services: { controller: { url: `http://127.0.0.1:${port}`, credentials: { bearer: { token: TOKEN } } } },
    bundles: {
      [NAME]: {
        service: 'controller',
        resource: `bundles/${NAME}`,
        // Plain polling would wait a minute or more: a prompt update can only come from the long poll.
        polling: { min_delay_seconds: 60, max_delay_seconds: 120, long_polling_timeout_seconds: 3 },
        signing: { keyid: 'semamesh' },
      },
    },
    keys: { semamesh: { algorithm: 'HS256', key: (KEY as { secret: string }).secret } },
  };
  const configFile = join(dir, 'opa.yaml');
  writeFileSync(configFile, JSON.stringify(config));
  const opaPort = await freePort();
  opaUrl = `http://127.0.0.1:${opaPort}`;
  opa = spawn(
    opaBin.path as string,
    [
      'run',
      '--server',
      '--addr',
      `127.0.0.1:${opaPort}`,
      '--config-file',
      configFile,
      '--log-level',
      'debug',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  opa.stdout?.on('data', (c: Buffer) => {
    opaLog += c.toString();
  });
  opa.stderr?.on('data', (c: Buffer) => {
    opaLog += c.toString();
  });
});

after(async () => {
  opa?.kill('SIGTERM');
  await bundles.close();
  await new Promise<void>((r) => (http ? http.close(() => r()) : r()));
  rmSync(dir, { recursive: true, force: true });
});

/** Decision inputs as the waypoint builds them (intents already canonicalised). */
const INPUTS = [
  { phase: 'request', agent: { namespace: 'default', pod: 'a', labels: {} }, features: { intents: [] } },
  {
    phase: 'request',
    agent: { namespace: 'default', pod: 'a', labels: {} },
    request: { text: 'please delete the prod namespace' },
    features: { intents: ['delete:namespace'] },
  },
  // A namespaced SemaPolicy of `default` does not govern agents of another namespace.
  {
    phase: 'response',
    agent: { namespace: 'other', pod: 'b', labels: { team: 'x' } },
    request: { tool_calls: [{ name: 'shell', arguments: '{"cmd":"kubectl delete ns prod"}' }] },
    features: { intents: ['delete:namespace', 'read:database'] },
  },
  {
    phase: 'request',
    agent: { namespace: 'default', pod: 'c', labels: {} },
    features: { intents: ['delete:database'] },
  },
];

/** opa's decision for each input equals the waypoint engine's; returns opa's actions. */
async function assertSameDecisions(wasmBundle: Uint8Array): Promise<string[]> {
  const engine = await loadWasmEngine(wasmBundle);
  const actions: string[] = [];
  for (const input of INPUTS) {
    const res = await fetch(`${opaUrl}/v1/data/semamesh/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input }),
    });
    assert.equal(res.status, 200);
    const theirs = ((await res.json()) as { result?: { action: string } }).result;
    assert.deepEqual(theirs, engine.decide(input as never), JSON.stringify(input));
    actions.push(theirs?.action ?? 'undefined');
  }
  return actions;
}

test('opa run --server activates our signed bundle and decides as the waypoint does', { skip }, async () => {
  await until('opa to activate the bundle', async () =>
    (await get('/health?bundles')).status === 200 ? true : undefined,
  );
  assert.equal(await revision(), 'rev-1');
  const first = seen.find((s) => s.status === 200);
  assert.ok(first, 'opa downloaded the bundle');
  const actions = await assertSameDecisions(controllerBundle('BLOCK', 'rev-1'));
  assert.deepEqual(actions, ['ALLOW', 'BLOCK', 'ALLOW', 'BLOCK']);
});

test('unchanged: opa long-polls with If-None-Match and gets 304; a new revision wakes its held poll', {
  skip,
}, async () => {
  const etag = bundles.get(NAME)?.etag;
  await until('a 304 on an expired long poll', async () =>
    seen.some((s) => s.status === 304 && s.ifNoneMatch === etag) ? true : undefined,
  );
  const polls = seen.filter((s) => s.ifNoneMatch === etag);
  assert.ok(
    polls.every((s) => s.wait === 3),
    'opa asks Prefer: wait=<long_polling_timeout_seconds>',
  );
  // A poll is held now; publishing answers it with the new bundle, long before opa's 60 s polling.
  await until('a held poll', async () => (bundles.waiting > 0 ? true : undefined));
  const publishedAt = Date.now();
  const wasm = publish('AUDIT', 'rev-2');
  await until('opa to activate rev-2', async () => ((await revision()) === 'rev-2' ? true : undefined));
  const woken = seen.find((s) => s.status === 200 && s.etag === bundles.get(NAME)?.etag);
  assert.ok(woken, 'the new bundle was served');
  assert.ok(woken.start < publishedAt, 'it answered a request held from before the publish');
  assert.deepEqual(await assertSameDecisions(wasm), ['ALLOW', 'AUDIT', 'ALLOW', 'AUDIT']);
});

test('a bundle signed with another key is served but refused by opa, which keeps the last good one', {
  skip,
}, async () => {
  const forged = signBundle(wasmOnly(controllerBundle('ALLOW', 'rev-forged')), {
    ...KEY,
    secret: 'not-the-key',
  } as SigningKey);
  const etag = bundles.publish(NAME, forged, 'rev-forged').etag;
  await until('opa to fetch the forged bundle', async () =>
    seen.some((s) => s.status === 200 && s.etag === etag) ? true : undefined,
  );
  await until('opa to report the refusal', async () =>
    /invalid HMAC signature/.test(opaLog) ? true : undefined,
  );
  assert.equal(await revision(), 'rev-2');
});
