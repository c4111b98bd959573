// The pods ask for exactly the privileges docs/security.md justifies: nothing privileged, the
// node agent root with CAP_BPF + CAP_NET_ADMIN only (verified enough on kernel 6.18 to load, attach,
// pin and detach the programs and freeze cgroups), everyone else non-root with no capability.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { type KObject, kustomize, podSpecs, REPO_ROOT } from './kustomize.js';

interface Container {
  name: string;
  image: string;
  securityContext?: {
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    runAsNonRoot?: boolean;
    runAsUser?: number;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type: string };
  };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface PodSpec {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean; seccompProfile?: { type: string } };
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  volumes?: { name: string; hostPath?: { path: string } }[];
}

const ALLOWED_HOST_PATHS: Record<string, { path: string; readOnly: boolean }> = {
  bpffs: { path: '/sys/fs/bpf', readOnly: false },
  cgroupfs: { path: '/sys/fs/cgroup', readOnly: false },
  'kubelet-serving-cert': { path: '/var/lib/kubelet/pki/kubelet.crt', readOnly: true },
};

for (const target of ['deploy/overlays/kind', 'deploy/overlays/local', 'deploy/overlays/production']) {
  describe(`pod security in ${target}`, () => {
    const objects = kustomize(join(REPO_ROOT, target));
    const pods = objects.flatMap((o: KObject) =>
      podSpecs(o).map((spec) => ({ o, spec: spec as unknown as PodSpec })),
    );

    test('no host namespaces, seccomp RuntimeDefault, no privileged container, no escalation', () => {
      for (const { o, spec } of pods) {
        assert.ok(!spec.hostNetwork && !spec.hostPID && !spec.hostIPC, o.metadata.name);
        assert.equal(spec.securityContext?.seccompProfile?.type, 'RuntimeDefault', o.metadata.name);
        for (const c of spec.containers) {
          const sc = c.securityContext ?? {};
          assert.notEqual(sc.privileged, true, c.name);
          assert.equal(sc.allowPrivilegeEscalation, false, c.name);
          assert.equal(sc.readOnlyRootFilesystem, true, c.name);
          assert.deepEqual(sc.capabilities?.drop, ['ALL'], c.name);
          assert.doesNotMatch(c.image, /:latest$|^[^:@]+$/, `${c.name}: pin a tag or digest`);
        }
      }
    });

    test('only the node agent runs as root, with CAP_BPF and CAP_NET_ADMIN added', () => {
      for (const { spec } of pods)
        for (const c of spec.containers) {
          const sc = c.securityContext ?? {};
          if (c.name === 'node-agent') {
            assert.equal(sc.runAsUser, 0);
            assert.deepEqual(sc.capabilities?.add, ['BPF', 'NET_ADMIN']);
          } else {
            assert.ok(
              sc.runAsNonRoot ?? spec.securityContext?.runAsNonRoot,
              `${c.name} must run as non-root`,
            );
            assert.equal(sc.capabilities?.add, undefined, `${c.name} adds capabilities`);
          }
        }
    });

    test('host paths are the justified ones, mounted only into the node agent', () => {
      for (const { spec } of pods)
        for (const v of spec.volumes ?? []) {
          if (!v.hostPath) continue;
          const allowed = ALLOWED_HOST_PATHS[v.name];
          assert.ok(allowed, `unexpected hostPath volume ${v.name}`);
          assert.equal(v.hostPath.path, allowed.path);
          for (const c of spec.containers) {
            const m = c.volumeMounts?.find((x) => x.name === v.name);
            if (!m) continue;
            assert.equal(c.name, 'node-agent', `${c.name} mounts host path ${v.hostPath.path}`);
            assert.equal(m.readOnly ?? false, allowed.readOnly, `${v.name} readOnly`);
          }
        }
    });

    test('the waypoint never sees the bundle signing private key', () => {
      const node = pods.find(({ o }) => o.kind === 'DaemonSet');
      assert.ok(node);
      const signing = (node.spec.volumes ?? []) as {
        secret?: { secretName: string; items?: { key: string }[] };
      }[];
      for (const v of signing)
        if (v.secret?.secretName === 'semamesh-bundle-signing')
          assert.deepEqual(
            v.secret.items?.map((i) => i.key),
            ['signing.pub'],
          );
    });
  });
}
