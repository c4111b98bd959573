// Issue 15 finding 8: the waypoint container holds no Kubernetes API token (the node account may
// patch pods cluster-wide); only the node agent, which calls the API, mounts one.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { type KObject, kustomize, REPO_ROOT } from './kustomize.js';

const objects = kustomize(join(REPO_ROOT, 'deploy/base'));
const TOKEN_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

interface PodSpec {
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
  containers: { name: string; volumeMounts?: { name: string; mountPath: string }[] }[];
  volumes?: { name: string; projected?: { sources: Record<string, unknown>[] }; secret?: unknown }[];
}

function podOf(kind: string, name: string): PodSpec {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  assert.ok(found, `${kind} ${name} is deployed`);
  return (found.spec as { template: { spec: PodSpec } }).template.spec;
}

test('the node pod mounts no token by default; only the node agent gets a projected one', () => {
  const sa = objects.find((o: KObject) => o.kind === 'ServiceAccount' && o.metadata.name === 'semamesh-node');
  assert.equal(
    (sa as unknown as { automountServiceAccountToken?: boolean }).automountServiceAccountToken,
    false,
  );
  const pod = podOf('DaemonSet', 'semamesh-node');
  assert.equal(pod.automountServiceAccountToken, false);
  const tokenVolumes = new Set(
    (pod.volumes ?? [])
      .filter((v) => v.projected?.sources.some((s) => 'serviceAccountToken' in s))
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
});
