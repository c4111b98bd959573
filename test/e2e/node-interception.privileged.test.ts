// The node agent's cluster-mode interception on the real kernel, as root: pods on node n1 in the
// kube API test server map to real cgroups under a fake kubepods tree; curl in a labelled agent pod
// reaches the stand-in waypoint (which reads the original destination), an unlabelled pod is
// untouched, deleting the pod detaches, and closing the agent leaves nothing attached.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  cgroupExecArgv,
  moveProcess,
  type OriginalDestination,
  originalDestination,
  processCgroup,
} from '../../bpf/src/index.js';
import { freePort, privilegedSkip } from '../../bpf/src/test-env.js';
import { parseHosts } from '../../controller/interception.js';
import { type RunningNodeAgent, startNodeAgent } from '../../controller/node-agent.js';
import { removeCgroup } from '../../controller/pause/index.js';
import { waitFor } from '../../controller/testing.js';
import { K8sClient } from '../../kube/index.js';
import { type KubeApiServer, startKubeApiServer } from '../kube-api-server/index.js';
import { cgroupPrograms, nodeCgroupRoot, podRef, runningPod } from './privileged-harness.js';

const skip = privilegedSkip('node interception tests');

const tag = randomBytes(3).toString('hex');
const PIN = `/sys/fs/bpf/sm-node-e2e-${tag}`;
const WAYPOINT_ID = randomBytes(32).toString('hex');

describe('node agent attaches the redirect to agent pods', { skip }, () => {
  let api: KubeApiServer;
  let client: K8sClient;
  let agent: RunningNodeAgent | undefined;
  let waypoint: Server;
  let root = '';
  let home = '';
  let targetPort = 0;
  const seen: (OriginalDestination | undefined)[] = [];

  /** A Running pod on n1 with one container whose cgroup (cgroupfs layout) is real. */
  const pod = (
    namespace: string,
    name: string,
    labels: Record<string, string>,
    container = randomBytes(32).toString('hex'),
  ) => runningPod(client, root, { namespace, name, labels, container });

  /** curl's exit code (7: connection refused) and body, run inside `cgroup` from its first instruction. */
  const curl = (cgroup: string) => {
    const argv = cgroupExecArgv(cgroup, [
      'curl',
      '-sS',
      '--max-time',
      '10',
      `http://127.0.0.2:${targetPort}/v1/models`,
    ]);
    // Asynchronous: the waypoint answering curl runs on this process's event loop.
    return new Promise<{ code: number; out: string }>((resolve) =>
      execFile(argv[0], argv.slice(1), (err, stdout) =>
        resolve({ code: err ? Number((err as { code?: number }).code) : 0, out: stdout }),
      ),
    );
  };
  const attachedPrograms = (cgroup: string): string[] => cgroupPrograms(cgroup).map((p) => p.name ?? '?');

  let selfUid = '';
  const config = () => ({
    nodeName: 'n1',
    cgroupRoot: root,
    healthHost: '127.0.0.1',
    healthPort: 0,
    interception: {
      podUid: selfUid,
      waypointContainer: 'waypoint',
      waypoint: { ip: '127.0.0.1', port: (waypoint.address() as AddressInfo).port },
      hosts: parseHosts(`127.0.0.2:${targetPort}`),
      selector: 'semamesh.io/agent=true',
      pinPath: PIN,
    },
  });

  before(async () => {
    root = nodeCgroupRoot(`sm-node-e2e-${tag}`);
    api = await startKubeApiServer({ namespaces: ['semamesh-system', 'agents'] });
    client = new K8sClient(api.kubeconfig);
    // This process plays the waypoint container of the node pod: its listener must be created
    // after it moved into that cgroup, where the node agent attaches getsockopt.
    const self = await pod('semamesh-system', 'semamesh-node-x', {}, WAYPOINT_ID);
    selfUid = self.uid;
    home = processCgroup();
    moveProcess(process.pid, self.cgroup);
    waypoint = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(seen.at(-1)));
    });
    waypoint.on('connection', (socket) => seen.push(originalDestination(socket)));
    await new Promise<void>((r) => waypoint.listen(0, '127.0.0.1', r));
    targetPort = await freePort('127.0.0.2');
    agent = await startNodeAgent(config(), { client, log: () => {} });
  });

  after(async () => {
    await agent?.close();
    waypoint?.close();
    await api?.close();
    if (home) moveProcess(process.pid, home);
    if (root) await removeCgroup(root);
    assert.equal(existsSync(PIN), false, 'pins removed');
  });

  test('a labelled pod reaches the waypoint, an unlabelled one is untouched, deletion detaches', async () => {
    const a = await pod('agents', 'agent-a', { 'semamesh.io/agent': 'true' });
    const plain = await pod('agents', 'plain', {});
    const intercepted = await waitFor('agent-a intercepted', async () => {
      const r = (await (await fetch(`${agent!.healthUrl}/intercepted`)).json()) as Record<
        string,
        { cgroup: string }
      >;
      return r[a.uid];
    });
    assert.equal(intercepted.cgroup, a.podCgroup, 'attached at the pod cgroup');
    assert.deepEqual(attachedPrograms(a.podCgroup).sort(), ['sm_connect4', 'sm_connect6', 'sm_sockops']);
    assert.deepEqual(attachedPrograms(plain.podCgroup), []);

    // The container cgroup inherits the pod-level programs.
    const r = await curl(a.cgroup);
    assert.equal(r.code, 0, 'curl from the agent pod reaches the waypoint');
    assert.deepEqual(JSON.parse(r.out), { address: '127.0.0.2', port: targetPort, family: 'IPv4' });
    // A container started later (a restart) is covered too.
    const restarted = join(a.podCgroup, randomBytes(32).toString('hex'));
    mkdirSync(restarted);
    assert.equal((await curl(restarted)).code, 0);

    assert.equal((await curl(plain.cgroup)).code, 7, 'the unlabelled pod connects directly: refused');

    await client.delete(podRef('agents', 'agent-a'));
    await waitFor('agent-a detached', () => attachedPrograms(a.podCgroup).length === 0);
    assert.equal((await curl(a.cgroup)).code, 7, 'after deletion a new connection is refused');
  });

  test('a restarted node agent replaces the pinned links of the previous run (no double attach)', async () => {
    const c = await pod('agents', 'agent-c', { 'semamesh.io/agent': 'true' });
    await waitFor('agent-c attached', () => attachedPrograms(c.podCgroup).length === 3);
    // What SIGTERM does: the pinned links stay, so agents never bypass the waypoint in between.
    await agent?.close({ keepPinned: true });
    assert.equal(existsSync(PIN), true);
    assert.equal(attachedPrograms(c.podCgroup).length, 3);
    agent = await startNodeAgent(config(), { client, log: () => {} });
    assert.deepEqual(attachedPrograms(c.podCgroup).sort(), ['sm_connect4', 'sm_connect6', 'sm_sockops']);
    assert.deepEqual(attachedPrograms(processCgroup()), ['sm_getsockopt']);
    const r = await curl(c.cgroup);
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.out), { address: '127.0.0.2', port: targetPort, family: 'IPv4' });
    await client.delete(podRef('agents', 'agent-c'));
    await waitFor('agent-c detached', () => attachedPrograms(c.podCgroup).length === 0);
  });

  test('closing the node agent leaves nothing attached', async () => {
    const b = await pod('agents', 'agent-b', { 'semamesh.io/agent': 'true' });
    await waitFor('agent-b attached', () => attachedPrograms(b.podCgroup).length === 3);
    const self = join(root, 'kubepods', 'besteffort');
    await agent?.close();
    agent = undefined;
    assert.deepEqual(attachedPrograms(b.podCgroup), []);
    const waypointCgroup = processCgroup();
    assert.deepEqual(attachedPrograms(waypointCgroup), []);
    assert.ok(waypointCgroup.startsWith(self));
    assert.equal(existsSync(PIN), false);
    assert.equal((await curl(b.cgroup)).code, 7);
  });
});
