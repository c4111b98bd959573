// Control-plane integrity on a real kube-apiserver (#15): the bundle service lets only the node
// pods' ServiceAccount fetch, checked by the API server's TokenReview with the bundle audience
// (real projected tokens from the TokenRequest API), over HTTPS with a pinned CA; and the RBAC of
// deploy/base, applied to the API server, lets nobody of ours but the kubelet's volume mount read
// the mesh CA key (the waypoint signs leaf certificates with it; the controller must not read it).
//
// Skipped, with the reason printed, when the Kubernetes binaries are not built; an error under CI=true.
import assert from 'node:assert/strict';
import { type ChildProcess, spawnSync } from 'node:child_process';
import { createSign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { request } from 'undici';
import {
  BundlePoller,
  BundleServer,
  tokenReviewAuthenticator,
} from '../../controller/bundle-server/index.js';
import { sampleBundle } from '../../controller/bundle-server/testing.js';
import { isControllerError } from '../../controller/errors.js';
import { K8sClient } from '../../kube/index.js';
import {
  applyObjects,
  baseRbac,
  type Cluster,
  freePort,
  installCrds,
  serviceAccountToken,
  skipUnlessBuilt,
  startCluster,
  startLocalController,
  startSemamesh,
  stopProcess,
  until,
} from './harness.js';

const skip = skipUnlessBuilt();
const NS = 'semamesh-system';
const AUDIENCE = 'semamesh-bundles';
const NODE_SA = 'semamesh-node';

let cluster: Cluster;
let dir: string;

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'semamesh-h15-'));
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** openssl, synchronously (no server of ours runs in this process while it does). */
function openssl(args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, `openssl ${args.join(' ')}: ${r.stderr}`);
}

/** A CA and a serving certificate for 127.0.0.1 signed by it: `<name>-ca.crt`, `<name>.crt/.key`. */
function issue(name: string): { ca: string; cert: string; key: string } {
  openssl(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${name}-ca`].concat([
      '-keyout',
      `${name}-ca.key`,
      '-out',
      `${name}-ca.crt`,
    ]),
  );
  openssl(
    ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=semamesh-controller'].concat([
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
    ]),
  );
  writeFileSync(join(dir, `${name}.ext`), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl(
    ['x509', '-req', '-in', `${name}.csr`, '-CA', `${name}-ca.crt`, '-CAkey', `${name}-ca.key`].concat([
      '-CAcreateserial',
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    ]),
  );
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return { ca: read(`${name}-ca.crt`), cert: read(`${name}.crt`), key: read(`${name}.key`) };
}

async function ensure(path: string, body: unknown): Promise<void> {
  const r = await cluster.api('POST', path, body);
  assert.ok(r.status === 201 || r.status === 409, `POST ${path}: ${r.status} ${r.text}`);
}

/** A real projected-style token from the TokenRequest API. */
const tokenFor = (sa: string, audiences: string[]) =>
  serviceAccountToken(cluster, NS, sa, { audiences, expirationSeconds: 600 });

/** The same token with its validity moved into the past, signed with the cluster's own SA key. */
function expired(token: string): string {
  const [h, p] = token.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  const past = Math.floor(Date.now() / 1000) - 3600;
  Object.assign(claims, { iat: past - 600, nbf: past - 600, exp: past });
  const body = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const sig = createSign('RSA-SHA256')
    .update(body)
    .sign(readFileSync(join(cluster.dir, 'pki', 'sa.key')));
  return `${body}.${sig.toString('base64url')}`;
}

describe('bundle fetch: HTTPS + audience-bound token checked by TokenReview', { skip }, () => {
  let server: BundleServer;
  let origin: string;
  let pki: { ca: string; cert: string; key: string };
  let good: string;

  before(async () => {
    await ensure('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    for (const name of [NODE_SA, 'intruder'])
      await ensure(`/api/v1/namespaces/${NS}/serviceaccounts`, {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name, namespace: NS },
      });
    pki = issue('bundles');
    const client = K8sClient.fromKubeconfig({ kubeconfigPath: cluster.kubeconfig });
    server = new BundleServer({
      tls: { cert: pki.cert, key: pki.key },
      authenticate: tokenReviewAuthenticator(client, {
        audience: AUDIENCE,
        allowed: [`system:serviceaccount:${NS}:${NODE_SA}`],
      }),
    });
    const addr = await server.listen(0, '127.0.0.1');
    origin = `https://127.0.0.1:${addr.port}`;
    server.publish('semamesh', sampleBundle('r1'), 'r1');
    good = await tokenFor(NODE_SA, [AUDIENCE]);
  });
  after(async () => {
    await server?.close();
  });

  /** One poll with a token file and the pinned CA; resolves to the status code or the error code. */
  async function poll(token: string | undefined, opts: { ca?: string; url?: string } = {}) {
    const tokenFile = join(dir, 'token');
    if (token !== undefined) writeFileSync(tokenFile, `${token}\n`);
    let got: string | undefined;
    const poller = new BundlePoller({
      url: opts.url ?? `${origin}/bundles/semamesh`,
      tokenFile: token === undefined ? undefined : tokenFile,
      ca: opts.ca ?? pki.ca,
      waitSeconds: 0,
      onBundle: (u) => {
        got = u.revision;
      },
    });
    try {
      await poller.pollOnce();
      return { ok: true, revision: got };
    } catch (err) {
      return { ok: false, message: (err as Error).message };
    } finally {
      await poller.stop();
    }
  }

  test("the node waypoint's token for the bundle audience fetches the bundle", async () => {
    assert.deepEqual(await poll(good), { ok: true, revision: 'r1' });
  });

  test('a token of another audience (the API server default) is refused with 401', async () => {
    const other = await tokenFor(NODE_SA, ['https://kubernetes.default.svc.cluster.local']);
    const r = await poll(other);
    assert.equal(r.ok, false);
    assert.match(r.message ?? '', /HTTP 401.*SM_ERR_CONTROLLER_UNAUTHORIZED/);
  });

  test('an expired token (signed by the cluster key) and no token are refused with 401', async () => {
    const old = await poll(expired(await tokenFor(NODE_SA, [AUDIENCE])));
    assert.match(old.message ?? '', /HTTP 401/);
    const none = await poll(undefined);
    assert.match(none.message ?? '', /HTTP 401.*a bearer token is required/);
  });

  test('another ServiceAccount with a valid bundle-audience token is refused with 403', async () => {
    const r = await poll(await tokenFor('intruder', [AUDIENCE]));
    assert.match(r.message ?? '', /HTTP 403.*SM_ERR_CONTROLLER_FORBIDDEN.*intruder may not fetch/);
  });

  test('a rotated token is read again from its file for the next request', async () => {
    const tokenFile = join(dir, 'rotating');
    writeFileSync(tokenFile, 'not-a-token');
    const results: string[] = [];
    const poller = new BundlePoller({
      url: `${origin}/bundles/semamesh`,
      tokenFile,
      ca: pki.ca,
      waitSeconds: 0,
      onBundle: (u) => {
        results.push(u.revision);
      },
    });
    await assert.rejects(poller.pollOnce(), /HTTP 401/);
    writeFileSync(tokenFile, await tokenFor(NODE_SA, [AUDIENCE]));
    await poller.pollOnce();
    await poller.stop();
    assert.deepEqual(results, ['r1']);
  });

  test('plain HTTP: the poller never sends the token over it, and the server does not speak it', async () => {
    // The deployed URL with http: — refused before any connection (a loopback server is local mode's).
    const deployed = 'http://semamesh-controller.semamesh-system.svc:8181/bundles/semamesh';
    assert.throws(
      () => new BundlePoller({ url: deployed, tokenFile: join(dir, 'token'), onBundle: () => {} }),
      (e: unknown) =>
        isControllerError(e, 'SM_ERR_CONTROLLER_CONFIG') && /plain HTTP/.test((e as Error).message),
    );
    // A client that tries anyway (no token) gets no HTTP answer from the TLS-only port.
    const plain = `http://127.0.0.1:${new URL(origin).port}/bundles/semamesh`;
    await assert.rejects(request(plain, { headersTimeout: 5000 }).then((r) => r.body.dump()));
  });

  test('a server whose certificate is not from the pinned CA is not trusted', async () => {
    const rogue = issue('rogue');
    const r = await poll(good, { ca: rogue.ca });
    assert.equal(r.ok, false);
    assert.match(r.message ?? '', /cannot reach .*(certificate|self.signed|issuer)/i);
  });
});

describe('the mesh CA key: read by the kubelet for the waypoint, by no role of ours', { skip }, () => {
  before(() => {
    // What a tenant adds to let the controller read its SemaPolicySource credentials (docs/security.md).
    const tenant = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'semamesh-gitops-credentials', namespace: 'team-a' },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'semamesh-gitops-credentials',
        },
        subjects: [{ kind: 'ServiceAccount', name: 'semamesh-controller', namespace: NS }],
      },
    ];
    applyObjects(cluster, [...baseRbac(cluster), ...tenant]);
  });

  const can = (sa: string, args: string[]) =>
    cluster.kubectl(['auth', 'can-i', ...args, `--as=system:serviceaccount:${NS}:${sa}`]).stdout.trim();

  test('the controller cannot get, list or watch the semamesh-mesh-ca Secret', () => {
    assert.equal(can('semamesh-controller', ['get', 'secret/semamesh-mesh-ca', '-n', NS]), 'no');
    assert.equal(can('semamesh-controller', ['list', 'secrets', '-n', NS]), 'no');
    assert.equal(can('semamesh-controller', ['watch', 'secrets', '-n', NS]), 'no');
  });

  test('the node account (whose waypoint mounts it) has no API access to it either', () => {
    assert.equal(can(NODE_SA, ['get', 'secret/semamesh-mesh-ca', '-n', NS]), 'no');
  });

  test("GitOps credentials are readable in a tenant's namespace that binds the credentials role", () => {
    assert.equal(can('semamesh-controller', ['get', 'secret/git-creds', '-n', 'team-a']), 'yes');
    assert.equal(can('semamesh-controller', ['list', 'secrets', '-n', 'team-a']), 'no');
    assert.equal(can('semamesh-controller', ['get', 'secret/git-creds', '-n', 'team-b']), 'no');
  });
});

describe('the shipped commands: semamesh controller serves, semamesh waypoint fetches', { skip }, () => {
  const procs: ChildProcess[] = [];
  after(async () => {
    for (const p of procs.splice(0)) await stopProcess(p);
  });

  test('over HTTPS with the node token checked by TokenReview; another audience gets no policy', async () => {
    installCrds(cluster);
    const pki = issue('e2e');
    for (const [f, v] of Object.entries({ 'e2e-tls.crt': pki.cert, 'e2e-tls.key': pki.key }))
      writeFileSync(join(dir, f), v);
    const ctl = await startLocalController(cluster.kubeconfig, [
      ...['--namespace', NS],
      ...['--bundle-tls-cert', join(dir, 'e2e-tls.crt'), '--bundle-tls-key', join(dir, 'e2e-tls.key')],
      ...['--bundle-clients', `${NS}/${NODE_SA}`, '--bundle-audience', AUDIENCE],
    ]);
    procs.push(ctl.proc);
    const { bundlePort } = ctl;
    writeFileSync(join(dir, 'e2e-ca.crt'), pki.ca);
    const waypoint = async (token: string) => {
      const tokenFile = join(dir, `wp-token-${procs.length}`);
      writeFileSync(tokenFile, token);
      const [port, admin] = [await freePort(), await freePort()];
      const wp = startSemamesh([
        'waypoint',
        ...['--host', '127.0.0.1', '--port', String(port), '--admin-port', String(admin)],
        ...['--bundle-url', `https://127.0.0.1:${bundlePort}/bundles/semamesh`],
        ...['--bundle-token-file', tokenFile, '--bundle-ca', join(dir, 'e2e-ca.crt')],
      ]);
      procs.push(wp.proc);
      return { admin: `http://127.0.0.1:${admin}`, output: wp.output };
    };
    const metric = async (admin: string, result: string) => {
      const text = await (await fetch(`${admin}/metrics`).catch(() => undefined))?.text();
      const m = new RegExp(`semamesh_waypoint_bundle_updates_total\\{result="${result}"\\} (\\d+)`).exec(
        text ?? '',
      );
      return m ? Number(m[1]) : 0;
    };

    const good = await waypoint(await tokenFor(NODE_SA, [AUDIENCE]));
    await until(
      'the node waypoint loads the bundle',
      async () => (await metric(good.admin, 'loaded')) >= 1,
      120_000,
    ).catch((e) => {
      throw new Error(`${e}\n--- waypoint output\n${good.output()}\n--- controller output\n${ctl.output()}`);
    });
    assert.equal((await fetch(`${good.admin}/readyz`)).status, 200);

    const other = await waypoint(await tokenFor(NODE_SA, ['https://kubernetes.default.svc.cluster.local']));
    await until(
      'the other-audience waypoint is refused',
      async () => (await metric(other.admin, 'rejected')) >= 1,
      120_000,
    ).catch((e) => {
      throw new Error(`${e}\n--- waypoint output\n${other.output()}`);
    });
    assert.equal(await metric(other.admin, 'loaded'), 0);
    assert.equal(
      (await fetch(`${other.admin}/readyz`)).status,
      503,
      'no policy: it refuses requests (fail closed)',
    );
  });
});
