// Agent identity in cluster mode, end to end on the real kernel (root): the node agent intercepts
// pods of the kube API test server (real cgroups), serves /identity on loopback, and a stand-in
// waypoint identifies each connection with the waypoint's own filter (clusterIdentity over the
// kernel's SM_SO_PEER_ORIGIN record). Attacks: spoofed identity headers, another pod's address
// bound as source, and a redirected process in a cgroup that belongs to no pod (refused).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  cgroup2Mount,
  cgroupExecArgv,
  createCgroup,
  Interceptor,
  moveProcess,
  peerOrigin,
  processCgroup,
  removeCgroup as removeBpfCgroup,
} from '../bpf/src/index.js';
import { freePort, privilegedSkip } from '../bpf/src/test-env.js';
import { K8sClient, type KubeObject } from '../kube/index.js';
import { type KubeApiServer, startKubeApiServer } from '../test/kube-api-server/index.js';
import { clusterIdentity, type IdentitySource } from '../waypoint/filters/identity/cluster.js';
import { parseHosts } from './interception.js';
import { type RunningNodeAgent, startNodeAgent } from './node-agent.js';
import { removeCgroup } from './pause/index.js';
import { waitFor } from './testing.js';

const skip = privilegedSkip('node agent identity test');

const tag = randomBytes(3).toString('hex');
const PIN = `/sys/fs/bpf/sm-identity-${tag}`;

describe('cluster identity from the redirect, resolved by the node agent', { skip }, () => {
  let api: KubeApiServer;
  let client: K8sClient;
  let agent: RunningNodeAgent | undefined;
  let waypoint: Server;
  let orphanIc: Interceptor | undefined;
  let root = '';
  let home = '';
  let orphan = '';
  let targetPort = 0;
  const sources: IdentitySource[] = [];
  const ref = (namespace: string, name: string) => ({ apiVersion: 'v1', kind: 'Pod', namespace, name });

  async function pod(namespace: string, name: string, labels: Record<string, string>, podIP?: string) {
    const container = randomBytes(32).toString('hex');
    const p = await client.create<KubeObject>({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, labels },
      spec: { nodeName: 'n1', serviceAccountName: `${name}-sa`, containers: [{ name: 'main', image: 'x' }] },
    });
    const uid = p.metadata.uid as string;
    const cgroup = join(root, 'kubepods', 'besteffort', `pod${uid}`, container);
    mkdirSync(cgroup, { recursive: true });
    await client.patchStatus(ref(namespace, name), {
      phase: 'Running',
      qosClass: 'BestEffort',
      ...(podIP ? { podIP } : {}),
      containerStatuses: [
        {
          name: namespace === 'semamesh-system' ? 'waypoint' : 'main',
          containerID: `containerd://${container}`,
          state: { running: {} },
        },
      ],
    });
    return { uid, cgroup };
  }

  /** curl from `cgroup` (or this host) → what the stand-in waypoint identified, as JSON. */
  const curl = (cgroup: string | undefined, extra: string[] = [], url?: string) => {
    const argv = ['curl', '-sS', '--max-time', '10', ...extra, url ?? `http://127.0.0.2:${targetPort}/`];
    const full = cgroup ? cgroupExecArgv(cgroup, argv) : argv;
    return new Promise<Record<string, unknown>>((resolve, reject) =>
      execFile(full[0], full.slice(1), (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout)))),
    );
  };

  before(async () => {
    const v2 = cgroup2Mount();
    assert.ok(v2);
    root = join(v2, `sm-identity-${tag}`);
    mkdirSync(root);
    api = await startKubeApiServer({ namespaces: ['semamesh-system', 'agents'] });
    client = new K8sClient(api.kubeconfig);
    const self = await pod('semamesh-system', 'semamesh-node-x', {});
    home = processCgroup();
    moveProcess(process.pid, self.cgroup);
    targetPort = await freePort('127.0.0.2');
    let identify: ReturnType<typeof clusterIdentity>;
    waypoint = createServer((socket: Socket) => {
      socket.once('data', async () => {
        let body: unknown;
        try {
          body = await identify({
            socket,
            remoteAddress: socket.remoteAddress ?? '',
            remotePort: socket.remotePort ?? 0,
            headers: {},
          });
        } catch (err) {
          body = { refused: (err as { code?: string }).code };
        }
        const text = JSON.stringify(body);
        socket.end(
          `HTTP/1.1 200 OK\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
        );
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((r) => waypoint.listen(0, '127.0.0.1', r));
    const port = (waypoint.address() as AddressInfo).port;
    agent = await startNodeAgent(
      {
        nodeName: 'n1',
        cgroupRoot: root,
        healthHost: '127.0.0.1',
        healthPort: 0,
        interception: {
          podUid: self.uid,
          waypointContainer: 'waypoint',
          waypoint: { ip: '127.0.0.1', port },
          hosts: parseHosts(`127.0.0.2:${targetPort}`),
          selector: 'semamesh.io/agent=true',
          pinPath: PIN,
        },
      },
      { client, log: () => {} },
    );
    identify = clusterIdentity({
      url: agent.healthUrl,
      origin: (s) => peerOrigin(s),
      onIdentified: (s) => sources.push(s),
    });
    // A cgroup that is no pod's, redirected all the same (as a pinned link of a pod deleted while
    // no node agent ran would): its connects reach the waypoint with a cgroup nobody vouches for.
    orphan = createCgroup(`sm-identity-${tag}/orphan`);
    orphanIc = new Interceptor();
    await orphanIc.attach({
      cgroupPath: orphan,
      waypointCgroupPath: self.cgroup,
      waypoint: { ip: '127.0.0.1', port },
      targets: [{ ip: '127.0.0.2', port: targetPort }],
      hosts: [],
    });
  });

  after(async () => {
    await orphanIc?.detach();
    await agent?.close();
    waypoint?.close();
    await api?.close();
    if (home) moveProcess(process.pid, home);
    if (orphan) removeBpfCgroup(orphan, { evacuate: true });
    if (root) await removeCgroup(root);
  });

  test('pods are who their cgroup says, whatever they claim or bind; a pod-less cgroup is refused', async () => {
    const a = await pod('agents', 'agent-a', { 'semamesh.io/agent': 'true', team: 'a' }, '127.0.0.9');
    const b = await pod('agents', 'agent-b', { 'semamesh.io/agent': 'true', team: 'b' }, '127.0.0.10');
    await waitFor('both intercepted', async () => {
      const r = (await (await fetch(`${agent!.healthUrl}/intercepted`)).json()) as Record<string, unknown>;
      return r[a.uid] !== undefined && r[b.uid] !== undefined;
    });

    const spoofHeaders = ['-H', 'x-semamesh-pod: agent-b', '-H', 'x-forwarded-for: 127.0.0.10'];
    const fromA = await curl(a.cgroup, spoofHeaders);
    assert.equal(fromA.pod, 'agent-a');
    assert.equal(fromA.namespace, 'agents');
    assert.equal(fromA.serviceAccount, 'agent-a-sa');
    assert.equal((fromA.labels as Record<string, string>)['semamesh.io/identity'], 'cgroup');

    // Pod B binds pod A's address: by address it would be A; by its cgroup it is B.
    const fromB = await curl(b.cgroup, ['--interface', '127.0.0.9']);
    assert.equal(fromB.pod, 'agent-b');

    // A process in no pod, redirected: refused (fail-closed), even from pod A's address.
    const fromOrphan = await curl(orphan, ['--interface', '127.0.0.9']);
    assert.deepEqual(fromOrphan, { refused: 'SM_ERR_WAYPOINT_IDENTITY_UNKNOWN' });

    // Not redirected at all (dials the waypoint itself): the address fallback, counted apart.
    const port = (waypoint.address() as AddressInfo).port;
    const direct = await curl(undefined, ['--interface', '127.0.0.10'], `http://127.0.0.1:${port}/`);
    assert.equal(direct.pod, 'agent-b');
    assert.equal((direct.labels as Record<string, string>)['semamesh.io/identity'], 'ip');
    assert.deepEqual(sources, ['cgroup', 'cgroup', 'unknown', 'ip']);

    // The node agent's endpoint answers loopback only, and only for intercepted pods' cgroups.
    const res = await fetch(`${agent!.healthUrl}/identity?cgroup=1`);
    assert.equal(res.status, 404);
    assert.equal((await fetch(`${agent!.healthUrl}/identity?cgroup=x`)).status, 400);
  });
});
