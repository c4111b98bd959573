// Issue 15 finding 8: the waypoint container holds no Kubernetes API token (the node account may
// patch pods cluster-wide); only the node agent, which calls the API, mounts one. The waypoint's
// one token is bound to the bundle service's audience, which the API server refuses. The overlays
// users and CI install (kind, local, production) keep it that way: a lab that hands the waypoint a
// token would test a different security model from the one shipped.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { type KObject, kustomize, REPO_ROOT } from './kustomize.js';

const objects = kustomize(join(REPO_ROOT, 'deploy/base'));
const OVERLAYS = ['deploy/overlays/kind', 'deploy/overlays/local', 'deploy/overlays/production'];
const TOKEN_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

interface PodSpec {
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
  containers: { name: string; volumeMounts?: { name: string; mountPath: string }[] }[];
  volumes?: { name: string; projected?: { sources: Record<string, unknown>[] }; secret?: unknown }[];
}

function podOf(kind: string, name: string, rendered: KObject[] = objects): PodSpec {
  const found = rendered.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind} ${name} is deployed`);
  return (found.spec as { template: { spec: PodSpec } }).template.spec;
}

for (const target of ['deploy/base', ...OVERLAYS])
  test(`${target}: the node pod mounts no token by default; only the node agent gets a projected one`, () => {
    const rendered = target === 'deploy/base' ? objects : kustomize(join(REPO_ROOT, target));
    assertNodeAgentOnlyToken(rendered);
  });

function assertNodeAgentOnlyToken(rendered: KObject[]): void {
  const sa = rendered.find(
    (o: KObject) => o.kind === 'ServiceAccount' && o.metadata.name === 'semamesh-node',
  );
  assert.equal(
    (sa as unknown as { automountServiceAccountToken?: boolean }).automountServiceAccountToken,
    false,
  );
  const pod = podOf('DaemonSet', 'semamesh-node', rendered);
  assert.equal(pod.automountServiceAccountToken, false);
  // API tokens: projected tokens without an audience of their own (the API server's audience).
  const tokenVolumes = new Set(
    (pod.volumes ?? [])
      .filter((v) =>
        v.projected?.sources.some(
          (s) => 'serviceAccountToken' in s && !(s.serviceAccountToken as { audience?: string }).audience,
        ),
      )
      .map((v) => v.name),
  );
  assert.equal(tokenVolumes.size, 1);
  const mounts = (c: string) => pod.containers.find((x) => x.name === c)?.volumeMounts ?? [];
  assert.ok(
    mounts('node-agent').some((m) => tokenVolumes.has(m.name) && m.mountPath === TOKEN_DIR),
    'the node agent has its token where the client looks for it',
  );
  assert.deepEqual(
    mounts('waypoint').filter((m) => tokenVolumes.has(m.name) || m.mountPath.startsWith(TOKEN_DIR)),
    [],
    'the waypoint has none',
  );
  const waypoint = pod.containers.find((c) => c.name === 'waypoint') as unknown as { args: string[] };
  assert.ok(waypoint.args.includes('--pause-report=node-agent'), 'PAUSE goes through the node agent');
  assert.ok(
    waypoint.args.some((a) => a.startsWith('--identity-url=http://127.0.0.1:')),
    "identities come from the node agent's loopback endpoint",
  );
}

test("the waypoint's bundle token is bound to the bundle audience, short-lived, next to the pinned CA", () => {
  const pod = podOf('DaemonSet', 'semamesh-node');
  const volume = pod.volumes?.find((v) => v.name === 'bundle-token');
  const sources = volume?.projected?.sources ?? [];
  const token = sources.find((s) => 'serviceAccountToken' in s)?.serviceAccountToken as
    | { audience?: string; expirationSeconds?: number }
    | undefined;
  assert.equal(token?.audience, 'semamesh-bundles');
  assert.ok((token?.expirationSeconds ?? Number.POSITIVE_INFINITY) <= 3600);
  assert.ok(sources.some((s) => (s.secret as { name?: string } | undefined)?.name === 'semamesh-bundle-tls'));
  const waypoint = pod.containers.find((c) => c.name === 'waypoint') as unknown as { args: string[] };
  assert.ok(
    waypoint.args.some((a) => a.startsWith('--bundle-url=https://')),
    'the bundle URL is https',
  );
  assert.ok(waypoint.args.includes('--bundle-token-file=/var/run/secrets/semamesh/bundles/token'));
  assert.ok(waypoint.args.includes('--bundle-ca=/var/run/secrets/semamesh/bundles/ca.crt'));
  const controller = podOf('Deployment', 'semamesh-controller').containers[0] as unknown as {
    args: string[];
  };
  assert.ok(controller.args.includes('--bundle-audience=semamesh-bundles'));
  assert.ok(controller.args.some((a) => a.startsWith('--bundle-clients=') && a.endsWith('/semamesh-node')));
});

test('the mesh CA key is mounted into the waypoint container only (the one component that signs)', () => {
  const mounts: string[] = [];
  for (const o of objects) {
    const spec = (o.spec as { template?: { spec?: PodSpec } } | undefined)?.template?.spec;
    if (!spec) continue;
    const caVolumes = new Set(
      (spec.volumes ?? [])
        .filter(
          (v) =>
            (v.secret as { secretName?: string } | undefined)?.secretName === 'semamesh-mesh-ca' ||
            v.projected?.sources.some(
              (s) => (s.secret as { name?: string } | undefined)?.name === 'semamesh-mesh-ca',
            ),
        )
        .map((v) => v.name),
    );
    for (const c of spec.containers)
      for (const m of c.volumeMounts ?? [])
        if (caVolumes.has(m.name)) mounts.push(`${o.metadata.name}/${c.name}`);
  }
  assert.deepEqual(mounts, ['semamesh-node/waypoint']);
});
