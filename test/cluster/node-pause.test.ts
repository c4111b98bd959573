// The pause path on a real node (hack/local-cluster.sh up: kubelet + containerd + bridge CNI):
// an agent pod on the pod network sends a destructive prompt to the node's waypoint; the waypoint
// (its policy served by the real `semamesh controller`) refuses it and, holding no kubeconfig or
// token, reports the PAUSE over the real `semamesh node-agent`'s unix socket (as deploy/base does:
// --pause-report=node-agent, identities from the node agent's /identity); the node agent resolves
// the pod itself, opens the SemaIncident + pod annotation through the API server, freezes the
// pod's cgroup (cgroup v2 at the hybrid layout's unified mount) and records it.
//
// Runs only against a running local cluster with a node: SEMAMESH_LOCAL_CLUSTER_DIR=<its state
// dir> (scripts/test-cluster.sh sets it between `up` and `down`); otherwise skipped with the reason.
import assert from 'node:assert/strict';
import { type ChildProcess, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  freePort,
  installCrds,
  k8sBin,
  pausePolicy,
  startLocalController,
  startSemamesh,
  stopProcess,
  until,
  untilOk,
} from './harness.js';

const DIR = process.env.SEMAMESH_LOCAL_CLUSTER_DIR;
const NODE_IP = process.env.K8S_NODE_IP ?? '10.243.255.1';
const NODE = process.env.K8S_NODE_NAME ?? 'semamesh-node';
const NS = 'agents';
const KUBECONFIG = DIR ? join(DIR, 'admin.kubeconfig') : '';
// The agent calls this "LLM endpoint" (an unused address on the pod bridge, so nothing leaves
// the machine even before the redirect is attached); the node agent's eBPF
// connect4 program on the agent pod's cgroup redirects it to the node's waypoint. With
// SEMAMESH_NODE_PAUSE_DIRECT=1 the agent calls the waypoint directly instead (no eBPF, so no
// interception for the node agent to vouch for: the waypoint then reports with --pause-report
// cluster and the admin kubeconfig, the older path).
const LLM = '10.244.0.250:80';
const REDIRECT = process.env.SEMAMESH_NODE_PAUSE_DIRECT !== '1';

function why(): string | false {
  if (!DIR) return 'SEMAMESH_LOCAL_CLUSTER_DIR is not set (start one with hack/local-cluster.sh up)';
  if (!existsSync(KUBECONFIG)) return `${KUBECONFIG} does not exist`;
  if (!('bin' in k8sBin())) return 'Kubernetes binaries not built';
  if (process.getuid?.() !== 0) return 'needs root (cgroup freeze)';
  return false;
}
const skip = why();
if (skip) console.log(`# test/cluster/node-pause skipped: ${skip}`);

function kubectl(args: string[], input?: string) {
  const bin = k8sBin() as { bin: string };
  const r = spawnSync(join(bin.bin, 'kubectl'), ['--kubeconfig', KUBECONFIG, ...args], {
    encoding: 'utf8',
    input,
    timeout: 60_000,
  });
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}
const json = <T>(args: string[]) => {
  const r = kubectl([...args, '-o', 'json']);
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as T;
};

const stop = async (p?: { proc: ChildProcess }) => {
  if (p) await stopProcess(p.proc);
};

const POLICY = pausePolicy(NS);

describe('PAUSE on a real node', { skip }, () => {
  let controller: Awaited<ReturnType<typeof startLocalController>>;
  let waypoint: ReturnType<typeof startSemamesh>;
  let nodeAgent: ReturnType<typeof startSemamesh>;
  let wpPort = 0;
  let runDir = '';
  const logs = () =>
    `--- controller\n${controller?.output()}\n--- waypoint\n${waypoint?.output()}\n--- node-agent\n${nodeAgent?.output()}`;

  before(async () => {
    installCrds({ kubectl });
    for (const ns of [NS, 'semamesh-system']) {
      kubectl(['create', 'namespace', ns]);
    }
    const [adminPort, healthPort] = [await freePort(), await freePort()];
    wpPort = await freePort();
    runDir = mkdtempSync(join(tmpdir(), 'semamesh-node-pause-'));
    const socket = join(runDir, 'node-agent.sock');
    controller = await startLocalController(KUBECONFIG);
    const { bundlePort } = controller;
    const r = kubectl(['apply', '-f', '-'], POLICY);
    assert.equal(r.status, 0, r.stderr);
    await until(
      'the PAUSE policy Ready',
      () => {
        const p = json<{ status?: { conditions?: { type: string; status: string }[] } }>([
          '-n',
          NS,
          'get',
          'semapolicy',
          'pause-db-drops',
        ]);
        return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      },
      120_000,
    ).catch((e) => {
      throw new Error(`${e}\n${logs()}`);
    });
    // The node's waypoint listens on the node IP, which pods reach through the bridge gateway.
    waypoint = startSemamesh([
      'waypoint',
      '--host',
      NODE_IP,
      '--port',
      String(wpPort),
      '--admin-host',
      '127.0.0.1',
      '--admin-port',
      String(adminPort),
      '--bundle-url',
      `http://127.0.0.1:${bundlePort}/bundles/semamesh`,
      '--node-name',
      NODE,
      ...(REDIRECT
        ? [
            '--pause-report',
            'node-agent',
            '--node-agent-socket',
            socket,
            '--identity-url',
            `http://127.0.0.1:${healthPort}`,
          ]
        : ['--pause-report', 'cluster', '--kubeconfig', KUBECONFIG]),
      '--openai',
      'http://127.0.0.1:9',
      '--quota-db',
      join(DIR as string, 'waypoint-quota.db'),
    ]);
    await untilOk('waypoint /readyz (bundle loaded)', `http://127.0.0.1:${adminPort}/readyz`, logs);
    nodeAgent = startSemamesh([
      'node-agent',
      '--kubeconfig',
      KUBECONFIG,
      '--node-name',
      NODE,
      '--kubelet-host',
      '',
      '--health-host',
      '127.0.0.1',
      '--health-port',
      String(healthPort),
      ...(REDIRECT
        ? [
            '--waypoint-ip',
            NODE_IP,
            '--waypoint-port',
            String(wpPort),
            '--hosts',
            LLM,
            '--agent-selector',
            'semamesh.io/agent=true',
            '--bpf-pin-path',
            '',
            '--report-socket',
            socket,
          ]
        : []),
    ]);
    await untilOk('node agent /healthz', `http://127.0.0.1:${healthPort}/healthz`, logs, 60_000);
  });

  after(async () => {
    kubectl(['delete', 'namespace', NS, '--wait=false']);
    await stop(nodeAgent);
    await stop(waypoint);
    await stop(controller);
    if (runDir) rmSync(runDir, { recursive: true, force: true });
  });

  test('agent pod → waypoint refuses → SemaIncident for that pod → node agent freezes its cgroup', async () => {
    const body = JSON.stringify({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'now drop database production' }],
    });
    const pod = `apiVersion: v1
kind: Pod
metadata: {name: agent-0, namespace: ${NS}, labels: {semamesh.io/agent: "true"}}
spec:
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: 1
  containers:
    - name: agent
      image: localhost/semamesh/busybox:local
      imagePullPolicy: Never
      command: [/bin/sh, -c]
      args:
        - |
          i=0
          while true; do
            i=$((i+1))
            echo "tick $i"
            busybox timeout 5 busybox wget -q -O- --header 'content-type: application/json' --header 'authorization: Bearer k' \\
              --post-data '${body}' http://${REDIRECT ? LLM : `${NODE_IP}:${wpPort}`}/v1/chat/completions 2>&1 | head -c 300
            echo " rc=$?"
            sleep 1
          done
`;
    let r = kubectl(['apply', '-f', '-'], pod);
    assert.equal(r.status, 0, r.stderr);
    r = kubectl(['-n', NS, 'wait', '--for=condition=Ready', 'pod/agent-0', '--timeout=120s']);
    assert.equal(r.status, 0, `${r.stderr}\n${kubectl(['-n', NS, 'describe', 'pod', 'agent-0']).stdout}`);
    const podObj = json<{ metadata: { uid: string }; status: { podIP: string } }>([
      '-n',
      NS,
      'get',
      'pod',
      'agent-0',
    ]);

    // An incident names this pod (the node agent's own lookup), and the pod is annotated.
    const incident = await until(
      'a SemaIncident for agent-0',
      () => {
        const list = json<{ items: { metadata: { name: string }; spec: Record<string, unknown> }[] }>([
          '-n',
          NS,
          'get',
          'semaincidents',
        ]);
        return list.items[0];
      },
      60_000,
    ).catch((e) => {
      throw new Error(`${e}\n${kubectl(['-n', NS, 'logs', 'agent-0']).stdout}\n${logs()}`);
    });
    const agent = incident.spec.agent as { namespace: string; pod: string };
    assert.deepEqual([agent.namespace, agent.pod], [NS, 'agent-0']);
    assert.equal(incident.spec.action, 'PAUSE');
    assert.match(String(incident.spec.policy), /pause-db-drops/);
    const annotations = json<{ metadata: { annotations?: Record<string, string> } }>([
      '-n',
      NS,
      'get',
      'pod',
      'agent-0',
    ]).metadata.annotations;
    assert.equal(annotations?.['semamesh.io/action'], 'PAUSE');

    // The node agent froze the pod's cgroup; the incident says Paused.
    const phase = await until(
      'incident phase Paused',
      () => {
        const i = json<{ status?: { phase?: string } }>([
          '-n',
          NS,
          'get',
          'semaincident',
          incident.metadata.name,
        ]);
        return i.status?.phase === 'Paused' || i.status?.phase === 'Failed' ? i.status.phase : undefined;
      },
      90_000,
    ).catch((e) => {
      throw new Error(`${e}\n${logs()}`);
    });
    assert.equal(phase, 'Paused', logs());
    // The pod's container cgroups (children of the pod cgroup in the unified hierarchy) are frozen.
    const podCgroup = join('/sys/fs/cgroup/unified/kubepods/besteffort', `pod${podObj.metadata.uid}`);
    const states = readdirSync(podCgroup, { withFileTypes: true })
      .filter((d) => d.isDirectory() && existsSync(join(podCgroup, d.name, 'cgroup.events')))
      .map(
        (d) =>
          `${d.name.slice(0, 12)}:${/frozen 1/.test(readFileSync(join(podCgroup, d.name, 'cgroup.events'), 'utf8')) ? 'frozen' : 'running'}`,
      );
    assert.ok(
      states.some((x) => x.endsWith(':frozen')),
      `${podCgroup}: ${states.join(' ')}`,
    );
    console.log(`# node-pause: container cgroups ${states.join(' ')}`);
    // The agent's loop stopped: no new ticks while frozen.
    const before = kubectl(['-n', NS, 'logs', 'agent-0']).stdout;
    assert.match(before, /403|Forbidden|server returned error/i, before);
    await new Promise((res) => setTimeout(res, 3000));
    assert.equal(kubectl(['-n', NS, 'logs', 'agent-0']).stdout, before, 'no output while frozen');
    console.log(`# node-pause: pod ${podObj.status.podIP} → incident ${incident.metadata.name} → Paused`);
  });
});
