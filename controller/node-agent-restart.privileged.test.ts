// The node agent restarting under SIGKILL never lets an agent connect directly (root + kernel): the
// real `semamesh node-agent` command attaches the redirect to an agent pod (kube API test server, a
// kubepods tree of real cgroups); a child in that pod connects continuously to a 127.0.0.2 listener
// standing in for the provider; the agent is killed, left dead, and started again. Every
// connection must land on the waypoint; one reaching the provider fails the test. The restarted
// agent adopts the pinned programs (same program ids) and prunes the links of a pod deleted while
// it was down.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { cgroupExecArgv, Interceptor, moveProcess, processCgroup } from '../bpf/src/index.js';
import { freePort, privilegedSkip } from '../bpf/src/test-env.js';
import { K8sClient } from '../kube/index.js';
import { cgroupPrograms, nodeCgroupRoot, podRef, runningPod } from '../test/e2e/privileged-harness.js';
import { type KubeApiServer, startKubeApiServer } from '../test/kube-api-server/index.js';
import { removeCgroup } from './pause/index.js';
import { waitFor } from './testing.js';

const skip = privilegedSkip('node agent restart test');

const repoRoot = new URL('..', import.meta.url).pathname;
const tag = randomBytes(3).toString('hex');
const PIN = `/sys/fs/bpf/sm-restart-${tag}`;

/** Accepted connections, with when they arrived. */
function counter(): { server: Server; at: number[] } {
  const at: number[] = [];
  const server = createServer((s) => {
    at.push(Date.now());
    s.on('error', () => {});
    s.end();
  });
  return { server, at };
}

const listen = (s: Server, host: string, port = 0) =>
  new Promise<number>((resolve) => s.listen(port, host, () => resolve((s.address() as AddressInfo).port)));

describe('node agent SIGKILL and restart: no connection goes direct', { skip }, () => {
  let api: KubeApiServer;
  let client: K8sClient;
  let root = '';
  let home = '';
  let healthPort = 0;
  let targetPort = 0;
  let waypointPort = 0;
  const waypoint = counter();
  const provider = counter();
  let agent: ChildProcess | undefined;
  let prober: ChildProcess | undefined;
  let output = '';
  const pod = (namespace: string, name: string, labels: Record<string, string>, container: string) =>
    runningPod(client, root, { namespace, name, labels, container });

  let selfUid = '';
  /** The real command the DaemonSet runs, as a child process. */
  function startAgent(): ChildProcess {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'cli/semamesh.ts',
        'node-agent',
        `--kubeconfig=${api.kubeconfigPath}`,
        '--node-name=n1',
        `--cgroup-root=${root}`,
        '--health-host=127.0.0.1',
        `--health-port=${healthPort}`,
        `--pod-uid=${selfUid}`,
        '--waypoint-container=waypoint',
        '--waypoint-ip=127.0.0.1',
        `--waypoint-port=${waypointPort}`,
        `--hosts=127.0.0.2:${targetPort}`,
        '--agent-selector=semamesh.io/agent=true',
        `--bpf-pin-path=${PIN}`,
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));
    return child;
  }

  const intercepted = async (): Promise<Record<string, unknown>> => {
    try {
      return (await (await fetch(`http://127.0.0.1:${healthPort}/intercepted`)).json()) as Record<
        string,
        unknown
      >;
    } catch {
      return {};
    }
  };

  before(async () => {
    root = nodeCgroupRoot(`sm-restart-${tag}`);
    api = await startKubeApiServer({ namespaces: ['semamesh-system', 'agents'] });
    client = new K8sClient(api.kubeconfig);
    const self = await pod('semamesh-system', 'semamesh-node-x', {}, randomBytes(32).toString('hex'));
    selfUid = self.uid;
    home = processCgroup();
    // This process is the waypoint container: listeners are created after the move.
    moveProcess(process.pid, self.cgroup);
    waypointPort = await listen(waypoint.server, '127.0.0.1');
    targetPort = await freePort('127.0.0.2');
    await listen(provider.server, '127.0.0.2', targetPort);
    healthPort = await freePort('127.0.0.1');
  });

  after(async () => {
    prober?.kill('SIGKILL');
    if (agent && agent.exitCode === null) {
      agent.kill('SIGKILL');
      await new Promise((r) => agent!.once('exit', r));
    }
    Interceptor.removeStalePins(PIN);
    waypoint.server.close();
    provider.server.close();
    await api?.close();
    if (home) moveProcess(process.pid, home);
    if (root) await removeCgroup(root);
  });

  test('connects from the agent pod land on the waypoint before, during and after the gap', async () => {
    const a = await pod(
      'agents',
      'agent-a',
      { 'semamesh.io/agent': 'true' },
      randomBytes(32).toString('hex'),
    );
    const gone = await pod(
      'agents',
      'gone',
      { 'semamesh.io/agent': 'true' },
      randomBytes(32).toString('hex'),
    );
    agent = startAgent();
    await waitFor(
      'both pods intercepted',
      async () => {
        const r = await intercepted();
        return r[a.uid] !== undefined && r[gone.uid] !== undefined;
      },
      60_000,
    );
    const before = cgroupPrograms(a.podCgroup).map((p) => p.id);
    assert.equal(before.length, 3);

    // A child of the agent pod connects every few ms for the whole test, as an agent would.
    const loop = `const net=require('net');let n=0,e=0;const go=()=>{const s=net.connect(${targetPort},'127.0.0.2');s.on('connect',()=>{n++;s.destroy();setTimeout(go,5)});s.on('error',()=>{e++;setTimeout(go,5)})};go();process.on('SIGTERM',()=>{console.log(JSON.stringify({n,e}));process.exit(0)});`;
    const argv = cgroupExecArgv(a.cgroup, [process.execPath, '-e', loop]);
    prober = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    let proberOut = '';
    prober.stdout?.on('data', (d) => (proberOut += d));
    await waitFor('the prober reaches the waypoint', () => waypoint.at.length > 20);

    agent.kill('SIGKILL');
    await new Promise((r) => agent!.once('exit', r));
    const killedAt = Date.now();
    // While nobody manages the node, the deleted pod's links must not matter; it is pruned later.
    await client.delete(podRef('agents', 'gone'));
    await new Promise((r) => setTimeout(r, 1500));
    const duringGap = waypoint.at.filter((t) => t >= killedAt).length;

    const restartedAt = Date.now();
    agent = startAgent();
    // A cold start of the agent (tsx, BPF load, pod list) takes seconds on a loaded 2-core machine.
    await waitFor(
      'the restarted agent intercepts agent-a',
      async () => (await intercepted())[a.uid] !== undefined,
      90_000,
    );
    const readyAt = Date.now();
    await waitFor('the deleted pod pruned', () => cgroupPrograms(gone.podCgroup).length === 0);
    await new Promise((r) => setTimeout(r, 500));
    prober.kill('SIGTERM');
    await new Promise((r) => prober!.once('exit', r));
    const probes = JSON.parse(proberOut.trim() || '{}') as { n?: number; e?: number };
    const afterIds = cgroupPrograms(a.podCgroup).map((p) => p.id);

    console.log(
      `# prober: ${probes.n} connects, ${probes.e} errors; waypoint ${waypoint.at.length}, provider ${provider.at.length}; ` +
        `${duringGap} on the waypoint in the 1.5 s with no node agent, ` +
        `${waypoint.at.filter((t) => t >= restartedAt && t < readyAt).length} while the new agent started (${readyAt - restartedAt} ms)`,
    );
    assert.equal(provider.at.length, 0, 'no connection reached the provider directly');
    assert.ok(duringGap > 0, 'connects kept landing on the waypoint while the node agent was dead');
    assert.ok(
      waypoint.at.some((t) => t >= readyAt),
      'and after the restart',
    );
    assert.equal(probes.e, 0, 'no connect failed');
    assert.deepEqual(afterIds.sort(), before.sort(), 'the same programs: adopted, not re-attached');
    assert.match(output, /adopted the BPF pins of a previous run/);
  });
});
