// hack/smoke-test.sh cannot run here (no Docker engine, no kind): its --dry-run prints every
// command, and this test checks the sequence a real run would execute, plus bash -n / shellcheck.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from './kustomize.js';

const script = join(REPO_ROOT, 'hack/smoke-test.sh');

function dryRun(...args: string[]): { status: number | null; commands: string[]; stdout: string } {
  const r = spawnSync('bash', [script, '--dry-run', ...args], { encoding: 'utf8' });
  const commands = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('+ '))
    .map((l) => l.slice(2));
  return { status: r.status, commands, stdout: r.stdout };
}

test('bash -n and shellcheck accept the scripts', () => {
  for (const f of [
    'hack/smoke-test.sh',
    'hack/gen-secrets.sh',
    'hack/build-k8s.sh',
    'hack/local-cluster.sh',
    'hack/oci-image.sh',
    'hack/oci-layer.sh',
    'hack/semamesh-images.sh',
  ]) {
    assert.equal(spawnSync('bash', ['-n', join(REPO_ROOT, f)]).status, 0, `bash -n ${f}`);
    const sc = spawnSync('shellcheck', [join(REPO_ROOT, f)], { encoding: 'utf8' });
    assert.equal(sc.error, undefined, 'shellcheck is not installed (Debian package shellcheck)');
    assert.equal(sc.status, 0, sc.stdout);
  }
});

test('--dry-run prints the whole scenario in order and deletes the cluster', () => {
  const { status, commands } = dryRun();
  assert.equal(status, 0);
  const expected = [
    /^kind create cluster --name semamesh-lab/,
    /^docker build .*--target controller -t semamesh\/controller:dev/,
    /^kind load docker-image semamesh\/controller:dev/,
    /^docker build .*--target node -t semamesh\/node:dev/,
    /^kind load docker-image semamesh\/node:dev/,
    /gen-secrets\.sh --apply$/,
    /^kubectl apply --server-side -k .*deploy\/crds$/,
    /^kubectl apply --server-side -k .*deploy\/overlays\/kind$/,
    /rollout status deploy\/semamesh-controller/,
    /rollout status ds\/semamesh-node/,
    /exec deploy\/sample-agent .*Summarize the release notes/,
    /exec deploy\/sample-agent .*delete the production database/,
    /^kubectl apply -f .*pause-policy\.yaml$/,
    /exec deploy\/sample-agent .*Upload all customer records/,
    /wait --for=jsonpath=\{\.status\.phase\}=Paused semaincident/,
    /^timeout 15 kubectl -n semamesh-demo exec deploy\/sample-agent -- true$/,
    /^kubectl sema approve -n semamesh-demo/,
    /wait --for=jsonpath=\{\.status\.phase\}=Approved/,
    /^kind delete cluster --name semamesh-lab$/,
  ];
  let at = 0;
  for (const pattern of expected) {
    const found = commands.findIndex((c, i) => i >= at && pattern.test(c));
    assert.ok(found >= 0, `missing or out of order: ${pattern}\n${commands.join('\n')}`);
    at = found + 1;
  }
});

test('--cluster local: images into the node, the local overlay, terminate, then the uninstall', () => {
  const { status, commands } = dryRun('--cluster', 'local');
  assert.equal(status, 0);
  const expected = [
    /semamesh-images\.sh --import .*containerd\.sock$/,
    /gen-secrets\.sh --apply$/,
    /get secret semamesh-bundle-tls -o jsonpath=\{\.data\.tls\\\.crt\}$/,
    /^kubectl apply --server-side -k .*deploy\/crds$/,
    /^kubectl apply --server-side -k .*deploy\/overlays\/local$/,
    /rollout status ds\/semamesh-node/,
    // The bundle came over HTTPS (the waypoint's bundle metric), then the cgroup identity metric.
    /^kubectl get --raw \/api\/v1\/namespaces\/semamesh-system\/pods\/.*:15090\/proxy\/metrics$/,
    /exec deploy\/sample-agent .*Summarize the release notes/,
    /^kubectl get --raw \/api\/v1\/namespaces\/semamesh-system\/pods\/.*:15090\/proxy\/metrics$/,
    /exec deploy\/sample-agent .*delete the production database/,
    /^timeout 60 kubectl -n semamesh-demo exec deploy\/sample-agent .*Upload all customer records/,
    /wait --for=jsonpath=\{\.status\.phase\}=Paused semaincident/,
    /^timeout 15 kubectl -n semamesh-demo exec deploy\/sample-agent -- true$/,
    /get semaincident .* -o jsonpath=\{\.status\.checkpoint\}$/,
    /^kubectl sema approve -n semamesh-demo/,
    /^kubectl sema terminate -n semamesh-demo/,
    /wait --for=delete pod\//,
    /^kubectl delete -k .*deploy\/overlays\/local --wait=true/,
    /^kubectl get crd semapolicies\.semamesh\.io/,
  ];
  let at = 0;
  for (const pattern of expected) {
    const found = commands.findIndex((c, i) => i >= at && pattern.test(c));
    assert.ok(found >= 0, `missing or out of order: ${pattern}\n${commands.join('\n')}`);
    at = found + 1;
  }
  assert.ok(!commands.some((c) => /^(kind|docker) /.test(c)), 'no kind or docker in local mode');
  assert.ok(!commands.some((c) => /delete -k .*deploy\/crds/.test(c)), 'the CRDs are never deleted');
});

test('--cluster takes kind or local only', () => {
  assert.equal(spawnSync('bash', [script, '--cluster', 'minikube']).status, 2);
});

test('--keep leaves the cluster', () => {
  const { status, commands, stdout } = dryRun('--keep');
  assert.equal(status, 0);
  assert.ok(!commands.some((c) => c.startsWith('kind delete')));
  assert.match(stdout, /kept cluster semamesh-lab/);
});

test('an unknown argument is refused', () => {
  assert.equal(spawnSync('bash', [script, '--bogus']).status, 2);
});
