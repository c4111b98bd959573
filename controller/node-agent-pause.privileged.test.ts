// PAUSE in cluster mode with no API token in the waypoint (root + kernel + the real kube-apiserver):
// the real `semamesh waypoint` (in the waypoint container's cgroup, no kubeconfig) reports a PAUSE
// decision to the real `semamesh node-agent` over its unix socket; the node agent, running with the
// semamesh-node ServiceAccount's own token and deploy/base/node-rbac.yaml, resolves the pod from the
// cgroup the eBPF redirect recorded and opens the SemaIncident. Forged reports are refused: a
// process outside the socket's group cannot connect, and one inside it cannot pause a pod of another
// node, a pod that is not intercepted, or name a pod other than the connection's.
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cgroup2Mount, cgroupExecArgv, cgroupId } from '../bpf/src/index.js';
import { freePort, privilegedSkipReason } from '../bpf/src/test-env.js';
import { type Cluster, pausePolicy, skipUnlessBuilt, startCluster, until } from '../test/cluster/harness.js';
import { removeCgroup } from './pause/index.js';

const skip = privilegedSkipReason() || skipUnlessBuilt();
if (skip) console.log(`# node agent pause report test skipped: ${skip}`);

const repoRoot = new URL('..', import.meta.url).pathname;
const tag = randomBytes(3).toString('hex');
const PIN = `/sys/fs/bpf/sm-pausereport-${tag}`;
/** The pod's fsGroup in deploy/base/node.yaml: the waypoint's group. */
const GROUP = 65532;

const POLICY = pausePolicy('agents');

interface Incident {
  metadata: { name: string; managedFields?: { manager: string }[] };
  spec: { agent: { namespace: string; pod: string; cgroup?: string }; rule: string; action: string };
}

function semamesh(
  args: string[],
  cgroup?: string,
  env?: Record<string, string>,
): { proc: ChildProcess; output: () => string } {
  let out = '';
  const argv = [process.execPath, '--import', 'tsx', join(repoRoot, 'cli/semamesh.ts'), ...args];
  const full = cgroup ? cgroupExecArgv(cgroup, argv) : argv;
  const proc = spawn(full[0], full.slice(1), {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  proc.stdout?.on('data', (c) => {
    out += c.toString();
  });
  proc.stderr?.on('data', (c) => {
    out += c.toString();
  });
  return { proc, output: () => out };
}

/** POST /pause on the socket from a child running as uid/gid: [status | error code, body]. */
function postAs(uid: number, gid: number, socketPath: string, body: unknown): Promise<[string, string]> {
  const script = `const r=require('node:http').request({socketPath:${JSON.stringify(socketPath)},path:'/pause',method:'POST',headers:{'content-type':'application/json'}},(res)=>{let b='';res.on('data',(c)=>b+=c);res.on('end',()=>console.log(JSON.stringify([String(res.statusCode),b])))});r.on('error',(e)=>console.log(JSON.stringify([e.code,''])));r.end(${JSON.stringify(JSON.stringify(body))});`;
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['-e', script], { uid, gid }, (err, stdout) =>
      err ? reject(err) : resolve(JSON.parse(stdout)),
    ),
  );
}

describe('PAUSE reported through the node agent (no token in the waypoint)', { skip }, () => {
  let cluster: Cluster;
  let root = '';
  let dir = '';
  let socket = '';
  let healthPort = 0;
  let waypointPort = 0;
  let targetPort = 0;
  let nodeAgent: ReturnType<typeof semamesh> | undefined;
  let waypoint: ReturnType<typeof semamesh> | undefined;
  const logs = () => `--- node-agent\n${nodeAgent?.output()}\n--- waypoint\n${waypoint?.output()}`;

  const kubectl = (args: string[], input?: string) => {
    const r = cluster.kubectl(args, input);
    assert.equal(r.status, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  /** A pod on `node` with a container cgroup under the test's kubepods tree. */
  async function pod(namespace: string, name: string, node: string, labels: Record<string, string>) {
    const container = randomBytes(32).toString('hex');
    kubectl(['-n', namespace, 'create', 'serviceaccount', `${name}-sa`]);
    const created = await cluster.api<{ metadata: { uid: string } }>(
      'POST',
      `/api/v1/namespaces/${namespace}/pods`,
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace, labels },
        spec: {
          nodeName: node,
          serviceAccountName: `${name}-sa`,
          automountServiceAccountToken: false,
          containers: [{ name: namespace === 'semamesh-system' ? 'waypoint' : 'main', image: 'x' }],
        },
      },
    );
    assert.equal(created.status, 201, created.text);
    const uid = created.body.metadata.uid;
    const cgroup = join(root, 'kubepods', 'besteffort', `pod${uid}`, container);
    mkdirSync(cgroup, { recursive: true });
    const status = await cluster.api(
      'PATCH',
      `/api/v1/namespaces/${namespace}/pods/${name}/status`,
      {
        status: {
          phase: 'Running',
          qosClass: 'BestEffort',
          containerStatuses: [
            {
              name: namespace === 'semamesh-system' ? 'waypoint' : 'main',
              containerID: `containerd://${container}`,
              image: 'x',
              imageID: '',
              ready: true,
              restartCount: 0,
              state: { running: {} },
            },
          ],
        },
      },
      'application/merge-patch+json',
    );
    assert.equal(status.status, 200, status.text);
    return { uid, cgroup };
  }

  let agentA: { uid: string; cgroup: string };
  let far: { uid: string; cgroup: string };
  let bystander: { uid: string; cgroup: string };

  before(async () => {
    const v2 = cgroup2Mount();
    assert.ok(v2);
    root = join(v2, `sm-pausereport-${tag}`);
    mkdirSync(root);
    cluster = await startCluster();
    kubectl(['apply', '--server-side', '-k', join(repoRoot, 'deploy/crds')]);
    kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s']);
    for (const ns of ['semamesh-system', 'agents']) kubectl(['create', 'namespace', ns]);
    kubectl(['-n', 'semamesh-system', 'create', 'serviceaccount', 'semamesh-node']);
    kubectl(['apply', '-f', join(repoRoot, 'deploy/base/node-rbac.yaml')]);
    // The node agent's credentials: the ServiceAccount's own token, bound by the shipped role.
    const token = kubectl(['-n', 'semamesh-system', 'create', 'token', 'semamesh-node']).trim();
    dir = mkdtempSync(join(tmpdir(), `sm-pausereport-${tag}-`));
    // Traversable by anyone, so the socket's own mode is what admits or refuses a caller.
    chmodSync(dir, 0o755);
    const sa = join(dir, 'node-agent.kubeconfig');
    writeFileSync(
      sa,
      `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "${cluster.server}", certificate-authority: "${join(cluster.dir, 'pki', 'ca.crt')}"}}]
users: [{name: semamesh-node, user: {token: "${token}"}}]
contexts: [{name: c, context: {cluster: c, user: semamesh-node}}]
current-context: c
`,
      { mode: 0o600 },
    );
    // The emptyDir both containers mount: the pod's fsGroup owns it.
    const run = join(dir, 'run');
    mkdirSync(run);
    chownSync(run, 0, GROUP);
    chmodSync(run, 0o755);
    socket = join(run, 'node-agent.sock');
    const policy = join(dir, 'policy.yaml');
    writeFileSync(policy, POLICY);

    const self = await pod('semamesh-system', 'semamesh-node-x', 'n1', {});
    agentA = await pod('agents', 'agent-a', 'n1', { 'semamesh.io/agent': 'true' });
    far = await pod('agents', 'agent-far', 'n2', { 'semamesh.io/agent': 'true' });
    bystander = await pod('agents', 'bystander', 'n1', {});

    [healthPort, waypointPort] = [await freePort('127.0.0.1'), await freePort('127.0.0.1')];
    targetPort = await freePort('127.0.0.2');
    nodeAgent = semamesh([
      'node-agent',
      '--kubeconfig',
      sa,
      '--node-name',
      'n1',
      '--cgroup-root',
      root,
      '--kubelet-host',
      '',
      '--health-host',
      '127.0.0.1',
      '--health-port',
      String(healthPort),
      '--pod-uid',
      self.uid,
      '--waypoint-container',
      'waypoint',
      '--waypoint-ip',
      '127.0.0.1',
      '--waypoint-port',
      String(waypointPort),
      '--hosts',
      `127.0.0.2:${targetPort}`,
      '--bpf-pin-path',
      PIN,
      '--report-socket',
      socket,
    ]);
    // No kubeconfig, no token: the waypoint reaches the API server only through the node agent.
    waypoint = semamesh(
      [
        'waypoint',
        '--host',
        '127.0.0.1',
        '--port',
        String(waypointPort),
        '--admin-host',
        '127.0.0.1',
        '--admin-port',
        String(await freePort('127.0.0.1')),
        '--policies',
        policy,
        '--quota-db',
        join(dir, 'quota.db'),
        '--openai',
        'http://127.0.0.1:9',
        '--node-name',
        'n1',
        '--identity-url',
        `http://127.0.0.1:${healthPort}`,
        '--pause-report',
        'node-agent',
        '--node-agent-socket',
        socket,
      ],
      self.cgroup,
      // Nothing to find credentials in: no kubeconfig, no home, not in a pod.
      {
        KUBECONFIG: join(dir, 'no-such-kubeconfig'),
        HOME: join(dir, 'no-home'),
        KUBERNETES_SERVICE_HOST: '',
      },
    );
    await until(
      'agent-a intercepted and the waypoint listening',
      async () => {
        const r = await fetch(`http://127.0.0.1:${healthPort}/intercepted`).catch(() => undefined);
        const ok = r?.ok && ((await r.json()) as Record<string, unknown>)[agentA.uid] !== undefined;
        return ok && /waypoint listening/.test(waypoint?.output() ?? '');
      },
      120_000,
    ).catch((e) => {
      throw new Error(`${e}\n${logs()}`);
    });
  });

  after(async () => {
    for (const p of [waypoint, nodeAgent])
      if (p && p.proc.exitCode === null) {
        p.proc.kill('SIGTERM');
        await new Promise((r) => p.proc.once('exit', r));
      }
    await cluster?.stop();
    if (root) await removeCgroup(root);
    rmSync(PIN, { recursive: true, force: true });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const incidents = () =>
    (
      JSON.parse(
        kubectl(['-n', 'agents', 'get', 'semaincidents', '-o', 'json', '--show-managed-fields']),
      ) as {
        items: Incident[];
      }
    ).items;

  test('a PAUSE decision opens a SemaIncident for the pod the redirect recorded', async () => {
    const st = statSync(socket);
    assert.equal(st.mode & 0o777, 0o660);
    assert.equal(st.gid, GROUP);
    const body = JSON.stringify({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'now drop database production' }],
    });
    const argv = cgroupExecArgv(agentA.cgroup, [
      'curl',
      '-sS',
      '--max-time',
      '20',
      '-H',
      'content-type: application/json',
      '-H',
      'x-semamesh-pod: bystander',
      '--data',
      body,
      `http://127.0.0.2:${targetPort}/v1/chat/completions`,
    ]);
    const answer = await new Promise<string>((resolve, reject) =>
      execFile(argv[0], argv.slice(1), (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    assert.match(answer, /PAUSE/, `${answer}\n${logs()}`);
    const [incident] = await until(
      'a SemaIncident',
      () => incidents().length > 0 && incidents(),
      60_000,
    ).catch((e) => {
      throw new Error(`${e}\n${logs()}`);
    });
    assert.deepEqual([incident.spec.agent.namespace, incident.spec.agent.pod], ['agents', 'agent-a']);
    assert.equal(incident.spec.agent.cgroup, String(cgroupId(agentA.cgroup)));
    assert.equal(incident.spec.action, 'PAUSE');
    assert.equal(incident.spec.rule, 'no-db-drops');
    assert.ok(
      incident.metadata.managedFields?.some((f) => f.manager === 'semamesh-node-agent'),
      JSON.stringify(incident.metadata.managedFields),
    );
    const annotations = JSON.parse(kubectl(['-n', 'agents', 'get', 'pod', 'agent-a', '-o', 'json'])).metadata
      .annotations as Record<string, string>;
    assert.equal(annotations['semamesh.io/incident'], incident.metadata.name);
    // The rest of the pause path runs on the node agent's token too: agent-a's cgroup is frozen.
    await until(
      'incident Paused',
      () => {
        const i = JSON.parse(
          kubectl(['-n', 'agents', 'get', 'semaincident', incident.metadata.name, '-o', 'json']),
        );
        return i.status?.phase === 'Paused';
      },
      60_000,
    ).catch((e) => {
      throw new Error(`${e}\n${logs()}`);
    });
    assert.match(readFileSync(join(agentA.cgroup, 'cgroup.events'), 'utf8'), /frozen 1/);
    console.log(
      `# pause report: agent-a (cgroup ${incident.spec.agent.cgroup}) → ${incident.metadata.name} → Paused`,
    );
  });

  test('forged reports are refused', async () => {
    const digest = 'a'.repeat(64);
    const report = (agent: Record<string, string>) => ({
      agent,
      rule: 'agents/x/forged',
      reason: 'r',
      requestDigest: digest,
    });
    // Outside the socket's group: the kernel refuses the connect.
    const [outsider] = await postAs(
      65534,
      65534,
      socket,
      report({ cgroup: String(cgroupId(agentA.cgroup)) }),
    );
    assert.equal(outsider, 'EACCES');
    // Inside it (a process of the waypoint's group), naming pods is not enough:
    const cases: [Record<string, string>, string][] = [
      [{ namespace: 'agents', pod: 'agent-far' }, '400'], // a name alone: no origin
      [{ cgroup: String(cgroupId(far.cgroup)) }, '403'], // a pod of another node
      [{ address: '10.1.2.3', namespace: 'agents', pod: 'agent-far' }, '403'], // an address of no pod here
      [{ cgroup: String(cgroupId(bystander.cgroup)) }, '403'], // on this node, not intercepted
      [{ cgroup: String(cgroupId(agentA.cgroup)), pod: 'bystander' }, '409'], // a name that is not the connection's
      [{ cgroup: '1' }, '403'], // the root cgroup
    ];
    for (const [agent, want] of cases) {
      const [status, text] = await postAs(GROUP, GROUP, socket, report(agent));
      assert.equal(status, want, `${JSON.stringify(agent)}: ${text}`);
      assert.match(text, /SM_ERR_CONTROLLER_PAUSE_REPORT/);
    }
    // The health port (TCP, loopback) does not take reports.
    const tcp = await fetch(`http://127.0.0.1:${healthPort}/pause`, { method: 'POST', body: '{}' });
    assert.equal(tcp.status, 404);
    const pods = incidents().map((i) => i.spec.agent.pod);
    assert.deepEqual(pods, ['agent-a'], 'only the real report opened an incident');
    assert.ok(!incidents().some((i) => i.spec.rule === 'forged'));
  });
});
