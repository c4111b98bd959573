// Tests for `semamesh waypoint`: policies compiled from SemaPolicy YAML are enforced end to end, the
// command's options parse, and cluster mode terminates redirected TLS with the given mesh CA.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { TLSSocket } from 'node:tls';
import { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { resetAddonCache } from '../../bpf/src/addon.js';
import { compileResources } from '../../engine/index.js';
import { createMockLlm } from '../../test/mock-llm/index.js';
import { MeshCa } from '../../waypoint/tls/index.js';
import { registerWaypoint, runWaypoint, type WaypointCliOptions } from './waypoint.js';
import { clusterTransparent, destinationLookup } from './waypoint-transparent.js';

const policyYaml = (action: string) =>
  `apiVersion: semamesh.io/v1alpha1\nkind: SemaPolicy\nmetadata: {name: drops, namespace: default}\nspec:\n  rules:\n    - name: drops\n      intentMatches: [drop database]\n      riskLevel: High\n      action: ${action}\n`;

const quotaYaml =
  'apiVersion: semamesh.io/v1alpha1\nkind: SemaQuota\nmetadata: {name: two, namespace: default}\nspec:\n  limits:\n    - window: minute\n      requests: 2\n';

function chat(url: string, content: string): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content }] }),
  });
}

test('runWaypoint with --policies enforces the sample policy against the given upstreams', async () => {
  const mock = await createMockLlm({ tokenizer: 'approx' });
  const { waypoint, url } = await runWaypoint({
    port: 0,
    host: '127.0.0.1',
    adminPort: 0,
    openai: mock.url,
    anthropic: mock.url,
    policies: [new URL('../../examples/sample-policy.yaml', import.meta.url).pathname],
    auditFile: '/dev/null',
  });
  try {
    const ask = (content: string) =>
      fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content }] }),
      });
    assert.equal((await ask('terminate the node pool')).status, 403);
    assert.equal((await ask('hello')).status, 200);
  } finally {
    await waypoint.close();
    await mock.close();
  }
});

test('the command rejects a bad port before starting anything', async () => {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined });
  registerWaypoint(program);
  await assert.rejects(program.parseAsync(['node', 'x', 'waypoint', '--port', 'http']), /port number/);
});

test('an invalid SemaPolicy is reported with its diagnostics and nothing starts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wp-cli-'));
  const file = join(dir, 'bad.yaml');
  writeFileSync(
    file,
    'apiVersion: semamesh.io/v1alpha1\nkind: SemaPolicy\nmetadata: {name: bad, namespace: default}\nspec:\n  rules:\n    - name: r\n      intentMatches: [drop database]\n      action: EXPLODE\n',
  );
  await assert.rejects(
    runWaypoint({
      port: 0,
      host: '127.0.0.1',
      adminPort: 0,
      openai: 'http://127.0.0.1:1',
      anthropic: 'http://127.0.0.1:1',
      policies: [file],
    }),
    /bad\.yaml:\d+:\d+: .*action/,
  );
});

test('SemaQuotas in --policies YAML are enforced from the --quota-db SQLite store', async () => {
  const mock = await createMockLlm({ tokenizer: 'approx' });
  const dir = mkdtempSync(join(tmpdir(), 'wp-cli-quota-'));
  const file = join(dir, 'all.yaml');
  writeFileSync(file, `${policyYaml('BLOCK')}---\n${quotaYaml}`);
  const running = await runWaypoint({
    port: 0,
    host: '127.0.0.1',
    adminPort: 0,
    openai: mock.url,
    anthropic: mock.url,
    policies: [file],
    quotaDb: join(dir, 'quota.db'),
    cache: true,
    auditFile: '/dev/null',
  });
  try {
    const first = await chat(running.url, 'hello');
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-ratelimit-remaining-requests'), '1');
    assert.equal(first.headers.get('x-semamesh-cache'), 'miss');
    await first.body?.cancel();
    assert.equal((await chat(running.url, 'drop the database')).status, 403);
    const second = await chat(running.url, 'hello again');
    assert.equal(second.status, 200);
    await second.body?.cancel();
    const third = await chat(running.url, 'one more');
    assert.equal(third.status, 429);
    assert.ok(Number(third.headers.get('retry-after')) >= 1);
    await third.body?.cancel();
  } finally {
    await running.close();
    await mock.close();
  }
});

test('--bundle is watched: a new bundle written over it is swapped in', async () => {
  const mock = await createMockLlm({ tokenizer: 'approx' });
  const dir = mkdtempSync(join(tmpdir(), 'wp-cli-bundle-'));
  const bundleFile = join(dir, 'bundle.tar.gz');
  const compile = (action: string, revision: string) => {
    const yaml = policyYaml(action);
    const r = compileResources({ policies: [parseYaml(yaml)] }, { revision, tenancy: 'single' });
    assert.ok(r.bundle);
    return r.bundle;
  };
  writeFileSync(bundleFile, compile('BLOCK', 'v1'));
  const running = await runWaypoint({
    port: 0,
    host: '127.0.0.1',
    adminPort: 0,
    openai: mock.url,
    anthropic: mock.url,
    bundle: bundleFile,
    auditFile: '/dev/null',
  });
  try {
    assert.equal(running.waypoint.holder.revision, 'v1');
    assert.equal((await chat(running.url, 'drop the database')).status, 403);
    // Written atomically the usual way: a temp file renamed over the watched one.
    writeFileSync(join(dir, 'next.tmp'), compile('ALLOW', 'v2'));
    renameSync(join(dir, 'next.tmp'), bundleFile);
    const revision = (): string => running.waypoint.holder.revision;
    for (let i = 0; i < 1000 && revision() !== 'v2'; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(revision(), 'v2');
    const allowed = await chat(running.url, 'drop the database');
    assert.equal(allowed.status, 200);
    await allowed.body?.cancel();
  } finally {
    await running.close();
    await mock.close();
  }
});

test('--help lists the bundle, quota and cache options', () => {
  const program = new Command().exitOverride();
  registerWaypoint(program);
  const help = program.commands.find((c) => c.name() === 'waypoint')?.helpInformation() ?? '';
  for (const flag of [
    '--bundle-url',
    '--bundle-public-key',
    '--bundle-secret',
    '--bundle-key-id',
    '--quota-db',
    '--redis-url',
    '--cache',
    '--cache-ttl',
    '--tls-port',
    '--mesh-ca-cert',
    '--mesh-ca-key',
    '--node-name',
  ])
    assert.ok(help.includes(flag), `${flag} in --help`);
});

const samplePolicy = new URL('../../examples/sample-policy.yaml', import.meta.url).pathname;

/** A mesh CA generated the way the cluster's Secret is filled, as tls.crt + tls.key files. */
async function meshCaFiles(): Promise<{ cert: string; key: string; pem: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'wp-cli-ca-'));
  const ca = await MeshCa.loadOrCreate(join(dir, 'generated'));
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  writeFileSync(cert, readFileSync(ca.certPath));
  writeFileSync(key, readFileSync(ca.keyPath), { mode: 0o600 });
  return { cert, key, pem: ca.certificate.pem, dir };
}

/** A chat completion over TLS to the waypoint's TLS port, as a redirected agent would send it. */
function chatOverTls(
  port: number,
  options: { ca?: string; servername: string },
): Promise<{ status: number; body: string; issuer: string }> {
  const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] });
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        servername: options.servername,
        ca: options.ca,
        method: 'POST',
        path: '/v1/chat/completions',
        headers: {
          host: options.servername,
          authorization: 'Bearer k',
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
        agent: false,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => {
          const cert = (res.socket as TLSSocket).getPeerCertificate?.();
          resolve({ status: res.statusCode ?? 0, body: text, issuer: String(cert?.issuer?.CN ?? '') });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test('--tls-port terminates TLS for the SNI with the given mesh CA and routes by SNI to the override', async () => {
  const mock = await createMockLlm({ tokenizer: 'approx' });
  const ca = await meshCaFiles();
  const auditFile = join(ca.dir, 'audit.jsonl');
  const running = await runWaypoint({
    port: 0,
    host: '127.0.0.1',
    adminPort: 0,
    // --openai changed from its default: connections for api.openai.com follow it (the mock).
    openai: mock.url,
    anthropic: 'https://api.anthropic.com',
    policies: [samplePolicy],
    quotaDb: join(ca.dir, 'quota.db'),
    tlsPort: 0,
    meshCaCert: ca.cert,
    meshCaKey: ca.key,
    nodeName: 'node-a',
    auditFile,
    logger: false,
  });
  try {
    assert.ok(running.tlsUrl, 'a TLS listener');
    const tlsPort = Number(new URL(running.tlsUrl).port);
    // This test process is not redirected: no original destination, so the SNI decides.
    const reply = await chatOverTls(tlsPort, { ca: ca.pem, servername: 'api.openai.com' });
    assert.equal(reply.status, 200, reply.body);
    assert.equal(reply.issuer, 'SemaMesh mesh CA');
    assert.ok(JSON.parse(reply.body).choices[0].message, reply.body);
    assert.equal(mock.requests.at(-1)?.path, '/v1/chat/completions');
    // Only the mesh CA vouches for the leaf: a client without it fails closed.
    await assert.rejects(
      chatOverTls(tlsPort, { servername: 'api.openai.com' }),
      /self.signed|unable to (get|verify)/i,
    );
    const records = readFileSync(auditFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.ok(records.length > 0);
    for (const r of records) assert.equal(r.node, 'node-a');
    assert.ok(
      records.some((r) => JSON.stringify(r).includes('"semamesh.io/node":"node-a"')),
      'the agent identity carries the node',
    );
    const metrics = await (await fetch(`${running.adminUrl}/metrics`)).text();
    assert.match(metrics, /semamesh_waypoint_requests_total\{[^}]*node="node-a"[^}]*\} 1/);
  } finally {
    await running.close();
    await mock.close();
  }
});

test('plain redirected HTTP on --port goes to the original destination the lookup reports', async () => {
  const mock = await createMockLlm({ tokenizer: 'approx' });
  const ca = await meshCaFiles();
  const mockPort = Number(new URL(mock.url).port);
  const running = await runWaypoint({
    port: 0,
    host: '127.0.0.1',
    adminPort: 0,
    // Nothing listens here: a 200 can only come from following the original destination.
    openai: 'http://127.0.0.1:1',
    anthropic: 'http://127.0.0.1:1',
    policies: [samplePolicy],
    quotaDb: join(ca.dir, 'quota.db'),
    tlsPort: 0,
    meshCaCert: ca.cert,
    meshCaKey: ca.key,
    destinationLookup: () => ({ address: '127.0.0.1', port: mockPort }),
    auditFile: '/dev/null',
    logger: false,
  });
  try {
    const res = await chat(running.url, 'hello');
    assert.equal(res.status, 200, await res.clone().text());
    await res.body?.cancel();
    assert.equal(running.transparent?.counts.plain, 1);
  } finally {
    await running.close();
    await mock.close();
  }
});

test('without an original destination, TLS connections route by SNI to known provider hosts only', async () => {
  const ca = await MeshCa.loadOrCreate(join(mkdtempSync(join(tmpdir(), 'wp-cli-sni-')), 'ca'));
  const tlsSocket = (servername: string | false) => {
    const s = new TLSSocket(new Socket());
    Object.defineProperty(s, 'servername', { value: servername });
    return s;
  };
  const compose = (overridden: string[]) =>
    clusterTransparent({
      ca,
      lookup: () => undefined,
      overriddenHosts: new Set(overridden),
      tlsHost: '127.0.0.1',
      tlsPort: 0,
      onError: () => {},
    }).routeDestination;
  const route = compose([]);
  const tls = (name: string) => ({ host: name, port: 443, tls: true, servername: name });
  assert.deepEqual(route(tlsSocket('api.anthropic.com')), tls('api.anthropic.com'));
  assert.deepEqual(route(tlsSocket('API.OpenAI.com')), tls('api.openai.com'));
  // Any other name, no SNI, or plain HTTP: the configured routes (explicit mode), never an open proxy.
  assert.equal(route(tlsSocket('metadata.internal')), undefined);
  assert.equal(route(tlsSocket(false)), undefined);
  assert.equal(route(new Socket()), undefined);
  // A changed --anthropic upstream wins over the SNI.
  assert.equal(compose(['api.anthropic.com'])(tlsSocket('api.anthropic.com')), undefined);
});

test('a missing, mismatched or half-given mesh CA stops startup with a coded error', async () => {
  const a = await meshCaFiles();
  const b = await meshCaFiles();
  const base: WaypointCliOptions = {
    port: 0,
    host: '127.0.0.1',
    adminPort: 0,
    openai: 'http://127.0.0.1:1',
    anthropic: 'http://127.0.0.1:1',
    tlsPort: 0,
    logger: false,
  };
  await assert.rejects(
    runWaypoint({ ...base, meshCaCert: join(a.dir, 'nope.crt'), meshCaKey: a.key }),
    (err: Error & { code?: string }) =>
      err.code === 'SM_ERR_TLS_CA_STORE' && err.message.includes('--mesh-ca-cert'),
  );
  await assert.rejects(
    runWaypoint({ ...base, meshCaCert: a.cert, meshCaKey: b.key }),
    (err: Error & { code?: string }) => err.code === 'SM_ERR_TLS_CA_INVALID' && err.message.includes(a.cert),
  );
  await assert.rejects(runWaypoint({ ...base, meshCaCert: a.key, meshCaKey: a.key }), {
    code: 'SM_ERR_TLS_CA_INVALID',
  });
  await assert.rejects(runWaypoint({ ...base, meshCaCert: a.cert }), { code: 'SM_ERR_WAYPOINT_CONFIG' });
  await assert.rejects(runWaypoint({ ...base, tlsPort: undefined, meshCaCert: a.cert, meshCaKey: a.key }), {
    code: 'SM_ERR_WAYPOINT_CONFIG',
  });
});

test('the command reports a bad --mesh-ca-cert with its code and exit status 1', async () => {
  const ca = await meshCaFiles();
  const program = new Command().exitOverride();
  registerWaypoint(program);
  const errors: string[] = [];
  const original = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    errors.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    await program.parseAsync([
      'node',
      'x',
      'waypoint',
      '--port=0',
      '--admin-port=0',
      '--tls-port=0',
      `--mesh-ca-cert=${join(ca.dir, 'missing.crt')}`,
      `--mesh-ca-key=${ca.key}`,
      '--node-name=node-a',
    ]);
  } finally {
    process.stderr.write = original;
  }
  assert.equal(process.exitCode, 1);
  process.exitCode = 0;
  const record = JSON.parse(errors.join('').trim().split('\n').pop()!) as Record<string, string>;
  assert.equal(record.level, 'error');
  assert.equal(record.component, 'semamesh-waypoint');
  assert.equal(record.code, 'SM_ERR_TLS_CA_STORE');
  assert.match(record.msg, /^--mesh-ca-cert .*missing\.crt cannot be read/);
});

test('without the BPF addon the lookup answers "not redirected" and says why, once', async () => {
  const saved = process.env.SEMAMESH_BPF_ADDON;
  process.env.SEMAMESH_BPF_ADDON = join(tmpdir(), 'no-such-addon.node');
  resetAddonCache();
  try {
    const { lookup, note } = await destinationLookup();
    assert.match(note ?? '', /no-such-addon\.node|needs Linux/);
    assert.equal(lookup(new Socket()), undefined);
  } finally {
    if (saved === undefined) delete process.env.SEMAMESH_BPF_ADDON;
    else process.env.SEMAMESH_BPF_ADDON = saved;
    resetAddonCache();
  }
});

test('--pause-report=cluster --node-name: the agent is found by its pod IP, and PAUSE opens a SemaIncident and annotates the pod', async () => {
  const { startKubeApiServer } = await import('../../test/kube-api-server/index.js');
  const api = await startKubeApiServer({ crds: true, namespaces: ['agents'] });
  const mock = await createMockLlm({ tokenizer: 'approx' });
  const dir = mkdtempSync(join(tmpdir(), 'wp-pause-'));
  const policy = join(dir, 'pause.yaml');
  writeFileSync(policy, policyYaml('PAUSE'));
  const pods = { apiVersion: 'v1', kind: 'Pod' } as const;
  const { K8sClient } = await import('../../controller/index.js');
  const client = new K8sClient(api.kubeconfig);
  await client.create({
    ...pods,
    metadata: { name: 'agent-0', namespace: 'agents' },
    spec: {
      nodeName: 'node-a',
      serviceAccountName: 'agent',
      containers: [{ name: 'main', image: 'agent:1' }],
    },
  });
  // This test process is the "agent": its requests come from 127.0.0.1, the pod's IP here.
  await client.patchStatus(
    { ...pods, namespace: 'agents', name: 'agent-0' },
    { phase: 'Running', podIP: '127.0.0.1' },
  );
  const running = await runWaypoint({
    port: 0,
    host: '127.0.0.1',
    adminPort: 0,
    openai: mock.url,
    anthropic: 'https://api.anthropic.com',
    policies: [policy],
    quotaDb: join(dir, 'quota.db'),
    pauseReport: 'cluster',
    kubeconfig: api.kubeconfigPath,
    nodeName: 'node-a',
    logger: false,
  });
  try {
    const res = await chat(running.url, 'please drop database prod');
    assert.notEqual(res.status, 200);
    const incident = await (async () => {
      for (let i = 0; i < 200; i++) {
        const list = await client.list(
          { apiVersion: 'semamesh.io/v1alpha1', kind: 'SemaIncident' },
          { namespace: 'agents' },
        );
        if (list.length > 0) return list[0];
        await new Promise((r) => setTimeout(r, 25));
      }
      return undefined;
    })();
    assert.ok(incident, 'a SemaIncident was created');
    const agent = (incident.spec as { agent: { pod: string; serviceAccount?: string } }).agent;
    assert.equal(agent.pod, 'agent-0');
    assert.equal(agent.serviceAccount, 'agent');
    assert.equal((incident.spec as { action: string }).action, 'PAUSE');
    // The annotation the node agent freezes on follows the incident.
    let action: string | undefined;
    for (let i = 0; i < 200 && action !== 'PAUSE'; i++) {
      const pod = await client.get({ ...pods, namespace: 'agents', name: 'agent-0' });
      action = pod.metadata.annotations?.['semamesh.io/action'];
      if (action !== 'PAUSE') await new Promise((r) => setTimeout(r, 25));
    }
    assert.equal(action, 'PAUSE');
  } finally {
    await running.close();
    await mock.close();
    await api.close();
  }
});

test('the admin port binds --admin-host, defaulting to --host (DaemonSet probes reach it on the pod IP)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wp-admin-'));
  const policy = join(dir, 'p.yaml');
  writeFileSync(policy, policyYaml('BLOCK'));
  const base = {
    port: 0,
    adminPort: 0,
    openai: 'http://127.0.0.1:9',
    anthropic: 'http://127.0.0.1:9',
    policies: [policy],
    logger: false,
  };
  const wide = await runWaypoint({ ...base, host: '0.0.0.0' });
  try {
    assert.equal(new URL(wide.adminUrl).hostname, '0.0.0.0');
  } finally {
    await wide.close();
  }
  const split = await runWaypoint({ ...base, host: '127.0.0.1', adminHost: '0.0.0.0' });
  try {
    assert.equal(new URL(split.url).hostname, '127.0.0.1');
    assert.equal(new URL(split.adminUrl).hostname, '0.0.0.0');
  } finally {
    await split.close();
  }
});
