// Envtest-style harness for test/cluster/: a real etcd + kube-apiserver (built by
// hack/build-k8s.sh) started by `hack/local-cluster.sh up --api-only` on free loopback ports in a
// temporary state directory, plus a small HTTPS client using the admin client certificate, and the
// set-up the cluster tests share: the `semamesh` processes, deploy/crds and deploy/base's RBAC
// applied, ServiceAccount tokens and a kubeconfig holding one.
//
// Imports nothing of the project on purpose: these tests talk to Kubernetes and to the `semamesh`
// CLI the way a user does (kubectl, HTTP), so they survive refactors of the TypeScript modules.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { freePort as freeHostPort } from '../../bpf/src/test-env.js';
import { waitFor } from '../../controller/testing.js';

export const REPO_ROOT = new URL('../..', import.meta.url).pathname;
const HACK = join(REPO_ROOT, 'hack');

/** The directory of the Kubernetes binaries, or why the cluster tests cannot run. */
export function k8sBin(): { bin: string } | { missing: string } {
  const bin =
    process.env.K8S_BIN ??
    spawnSync('bash', [join(HACK, 'build-k8s.sh'), '--print'], { encoding: 'utf8' }).stdout.trim();
  for (const b of ['etcd', 'kube-apiserver', 'kubectl'])
    if (!existsSync(join(bin, b)))
      return { missing: `${join(bin, b)} does not exist (run hack/build-k8s.sh)` };
  return { bin };
}

/**
 * `skip` for node:test: a reason string when the binaries are missing (the tests are skipped and
 * say why), but under CI=true or SEMAMESH_REQUIRE_K8S=1 (.ci/run builds them first and sets it) a missing
 * binary fails instead.
 */
export function skipUnlessBuilt(): string | false {
  const k = k8sBin();
  if ('bin' in k) return false;
  if (process.env.CI === 'true' || process.env.SEMAMESH_REQUIRE_K8S === '1')
    throw new Error(`cluster tests (CI=true or SEMAMESH_REQUIRE_K8S=1): ${k.missing}`);
  console.log(`# test/cluster skipped: ${k.missing}`);
  return k.missing;
}

/** A free port on 127.0.0.1 outside the ephemeral range (see bpf/src/test-env.ts freePort). */
export function freePort(): Promise<number> {
  return freeHostPort('127.0.0.1');
}

export interface KubeResponse<T = Record<string, unknown>> {
  status: number;
  body: T;
  text: string;
}

export interface Cluster {
  bin: string;
  dir: string;
  kubeconfig: string;
  server: string;
  /** Raw API request with the admin client certificate. */
  api<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<KubeResponse<T>>;
  /** A watch: collects events until `stop()`. */
  watch(path: string): { events: { type: string; object: Record<string, unknown> }[]; stop(): void };
  kubectl(args: string[], input?: string): { status: number; stdout: string; stderr: string };
  startSeconds: number;
  stop(): Promise<void>;
}

export async function startCluster(): Promise<Cluster> {
  const k = k8sBin();
  if (!('bin' in k)) throw new Error(k.missing);
  const dir = mkdtempSync(join(tmpdir(), 'semamesh-cluster-'));
  const [api, etcd, peer] = [await freePort(), await freePort(), await freePort()];
  const env = {
    ...process.env,
    SEMAMESH_CLUSTER_DIR: dir,
    K8S_BIN: k.bin,
    K8S_API_PORT: String(api),
    K8S_ETCD_PORT: String(etcd),
    K8S_ETCD_PEER_PORT: String(peer),
  };
  const script = join(HACK, 'local-cluster.sh');
  const t0 = Date.now();
  const up = spawnSync('bash', [script, 'up', '--api-only'], { env, encoding: 'utf8', timeout: 240_000 });
  const startSeconds = (Date.now() - t0) / 1000;
  const down = async () => {
    spawnSync('bash', [script, 'down', '--purge'], { env, encoding: 'utf8', timeout: 60_000 });
    rmSync(dir, { recursive: true, force: true });
  };
  if (up.status !== 0) {
    const logs = ['etcd', 'kube-apiserver']
      .map((n) => {
        const f = join(dir, 'logs', `${n}.log`);
        return existsSync(f)
          ? `--- ${n}.log (tail)\n${readFileSync(f, 'utf8').split('\n').slice(-30).join('\n')}`
          : '';
      })
      .join('\n');
    await down();
    throw new Error(`local-cluster.sh up --api-only failed (${up.status}):\n${up.stderr}\n${logs}`);
  }
  const pki = join(dir, 'pki');
  const tls = {
    ca: readFileSync(join(pki, 'ca.crt')),
    cert: readFileSync(join(pki, 'admin.crt')),
    key: readFileSync(join(pki, 'admin.key')),
  };
  const kubeconfig = join(dir, 'admin.kubeconfig');

  const apiCall = <T>(method: string, path: string, body?: unknown, contentType = 'application/json') =>
    new Promise<KubeResponse<T>>((resolve, reject) => {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = request(
        {
          host: '127.0.0.1',
          port: api,
          method,
          path,
          ...tls,
          headers: {
            accept: 'application/json',
            ...(payload === undefined ? {} : { 'content-type': contentType }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = {};
            try {
              parsed = JSON.parse(text);
            } catch {}
            resolve({ status: res.statusCode ?? 0, body: parsed as T, text });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });

  const watch = (path: string) => {
    const events: { type: string; object: Record<string, unknown> }[] = [];
    const req = request({ host: '127.0.0.1', port: api, method: 'GET', path, ...tls }, (res) => {
      let buf = '';
      res.on('data', (c) => {
        buf += c.toString('utf8');
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          const line = buf.slice(0, i).trim();
          buf = buf.slice(i + 1);
          if (line) events.push(JSON.parse(line));
        }
      });
      res.on('error', () => {});
    });
    req.on('error', () => {});
    req.end();
    return { events, stop: () => req.destroy() };
  };

  const kubectl = (args: string[], input?: string) => {
    const r = spawnSync(join(k.bin, 'kubectl'), ['--kubeconfig', kubeconfig, ...args], {
      encoding: 'utf8',
      input,
      timeout: 60_000,
    });
    return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  };

  return {
    bin: k.bin,
    dir,
    kubeconfig,
    server: `https://127.0.0.1:${api}`,
    api: apiCall,
    watch,
    kubectl,
    startSeconds,
    stop: down,
  };
}

/** Polls `fn` until it returns something other than undefined/false (a real cluster is slower: 30 s). */
export function until<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
): Promise<T> {
  return waitFor(what, fn, timeoutMs);
}

/** `semamesh <args>` as a child process (the CLI entry, through tsx), output kept for failures. */
export function startSemamesh(
  args: string[],
  env?: NodeJS.ProcessEnv,
): { proc: ChildProcess; output: () => string } {
  let out = '';
  const proc = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'cli/semamesh.ts'), ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  proc.stdout?.on('data', (c) => {
    out += c.toString();
  });
  proc.stderr?.on('data', (c) => {
    out += c.toString();
  });
  return { proc, output: () => out };
}

/** `semamesh controller` as a child process (the CLI entry, through tsx), output kept for failures. */
export function startControllerProcess(args: string[]): { proc: ChildProcess; output: () => string } {
  return startSemamesh(['controller', ...args], { ...process.env, NODE_ENV: 'test' });
}

/**
 * A single local `semamesh controller` (no Lease, no GitOps; bundle and metrics on fresh 127.0.0.1
 * ports) reading the cluster through `kubeconfig`, with `extra` flags; resolved once its /readyz
 * answers 200. If it never does, it is stopped and the error carries its output.
 */
export async function startLocalController(
  kubeconfig: string,
  extra: string[] = [],
): Promise<{ proc: ChildProcess; output: () => string; bundlePort: number; metricsPort: number }> {
  const [bundlePort, metricsPort] = [await freePort(), await freePort()];
  const ctl = startControllerProcess([
    ...['--kubeconfig', kubeconfig, '--no-leader-elect', '--no-gitops', '--debounce', '50'],
    ...['--bundle-host', '127.0.0.1', '--bundle-port', String(bundlePort)],
    ...['--metrics-host', '127.0.0.1', '--metrics-port', String(metricsPort)],
    ...extra,
  ]);
  try {
    await untilOk(
      'controller /readyz',
      `http://127.0.0.1:${metricsPort}/readyz`,
      () => `--- controller output\n${ctl.output()}`,
    );
  } catch (e) {
    await stopProcess(ctl.proc);
    throw e;
  }
  return { ...ctl, bundlePort, metricsPort };
}

/** Polls `url` until it answers 200 (2 min by default); a timeout's error carries `output()`. */
export async function untilOk(
  what: string,
  url: string,
  output: () => string,
  timeoutMs = 120_000,
): Promise<void> {
  await until(what, async () => (await fetch(url)).status === 200, timeoutMs).catch((e) => {
    throw new Error(`${e}\n${output()}`);
  });
}

/** SIGTERM (or `signal`) to a child process, resolved once it has exited. */
export async function stopProcess(proc: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const done = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill(signal);
  await done;
}

/** Applies deploy/crds server-side and waits until every CRD is Established (any cluster's kubectl). */
export function installCrds(c: Pick<Cluster, 'kubectl'>): void {
  const crds = c.kubectl([
    'apply',
    '--server-side',
    '--field-manager=semamesh-test',
    '-k',
    join(REPO_ROOT, 'deploy/crds'),
  ]);
  assert.equal(crds.status, 0, crds.stderr);
  const wait = c.kubectl(['wait', '--for=condition=Established', '--timeout=60s', '--all', 'crd']);
  assert.equal(wait.status, 0, wait.stderr);
}

/** The RBAC objects of deploy/base (namespace, accounts, roles, bindings), rendered by kubectl kustomize. */
export function baseRbac(c: Cluster): Record<string, unknown>[] {
  const r = c.kubectl(['kustomize', join(REPO_ROOT, 'deploy/base')]);
  assert.equal(r.status, 0, r.stderr);
  const kinds = new Set([
    'Namespace',
    'ServiceAccount',
    'ClusterRole',
    'ClusterRoleBinding',
    'Role',
    'RoleBinding',
  ]);
  return parseAllDocuments(r.stdout)
    .map((d) => d.toJSON() as { kind?: string })
    .filter((o) => o?.kind && kinds.has(o.kind)) as Record<string, unknown>[];
}

/** `kubectl apply` of these objects as one List. */
export function applyObjects(c: Cluster, items: unknown[]): void {
  const applied = c.kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  assert.equal(applied.status, 0, applied.stderr);
}

/** A real ServiceAccount token from the TokenRequest API (the API server's audience when none is given). */
export async function serviceAccountToken(
  c: Cluster,
  namespace: string,
  sa: string,
  spec: { audiences?: string[]; expirationSeconds: number },
): Promise<string> {
  const r = await c.api<{ status: { token: string } }>(
    'POST',
    `/api/v1/namespaces/${namespace}/serviceaccounts/${sa}/token`,
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec },
  );
  assert.equal(r.status, 201, r.text);
  return r.body.status.token;
}

/** Writes a kubeconfig (mode 0600) for the cluster that holds only `token` as `user`. */
export function tokenKubeconfig(c: Cluster, file: string, user: string, token: string): string {
  const ca = readFileSync(join(c.dir, 'pki', 'ca.crt')).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server: c.server, 'certificate-authority-data': ca } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: 'token', context: { cluster: 'local', user } }],
    'current-context': 'token',
  };
  writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
  return file;
}

/** A SemaPolicy (YAML) in `namespace` whose rule pause-db-drops PAUSEs an agent asking to drop a database. */
export const pausePolicy = (namespace: string) => `apiVersion: semamesh.io/v1alpha1
kind: SemaPolicy
metadata: {name: pause-db-drops, namespace: ${namespace}}
spec:
  rules:
    - name: no-db-drops
      intentMatches: [drop database]
      action: PAUSE
      riskLevel: Critical
      message: a human must look at this agent
`;
