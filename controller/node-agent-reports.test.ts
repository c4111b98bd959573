// The PAUSE intake without a kernel or API server: who is paused comes from the node agent's own
// directory (cgroup inode, pod address of an intercepted pod), never from the names in the report;
// bad reports get coded 4xx answers; the socket is 0660, replaces only a stale socket, and bounds
// the body. The end-to-end path is node-agent-pause.privileged.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { KubeObject } from '../kube/index.js';
import { AgentDirectory } from './node-agent-identity.js';
import { listenReportSocket, pauseIntake } from './node-agent-reports.js';
import type { PauseReportInput } from './reconcilers/pause-reporter.js';

const dir = mkdtempSync(join(tmpdir(), 'sm-reports-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const cgroupA = join(dir, 'podA');
const cgroupB = join(dir, 'podB');
mkdirSync(join(cgroupA, 'c1'), { recursive: true });
mkdirSync(cgroupB, { recursive: true });
const ino = (p: string) => String(statSync(p, { bigint: true }).ino);

const podOf = (uid: string, name: string, ip: string): KubeObject =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { uid, name, namespace: 'agents' },
    spec: { serviceAccountName: `${name}-sa` },
    status: { phase: 'Running', podIP: ip },
  }) as KubeObject;

// A is intercepted; B runs on the node but is not.
const directory = new AgentDirectory(
  {
    attached: () => new Map([['uid-a', { pod: 'agents/a', cgroup: cgroupA }]]),
    pods: () => [podOf('uid-a', 'a', '10.0.0.1'), podOf('uid-b', 'b', '10.0.0.2')],
  },
  { minWalkMs: 0 },
);

const opened: PauseReportInput[] = [];
const options = {
  directory,
  incidents: {
    open: async (input: PauseReportInput) => {
      opened.push(input);
      if (input.reason === 'explode') throw new Error('API server down');
      return { metadata: { name: 'inc-1', namespace: input.agent.namespace } };
    },
  },
  log: () => {},
};
const digest = 'f'.repeat(64);
const report = (agent: Record<string, string>, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ agent, rule: 'agents/p/r', reason: 'why', requestDigest: digest, ...extra });

describe('pauseIntake', () => {
  test('the pod comes from the cgroup (a container below the pod cgroup too)', async () => {
    const [status, body] = await pauseIntake(options, report({ cgroup: ino(join(cgroupA, 'c1')) }));
    assert.equal(status, 201);
    assert.deepEqual(body, { namespace: 'agents', pod: 'a', incident: 'inc-1' });
    const last = opened.at(-1);
    assert.equal(last?.agent.pod, 'a');
    assert.equal(last?.agent.serviceAccount, 'a-sa');
    assert.equal(last?.agent.cgroup, ino(join(cgroupA, 'c1')));
  });

  test('the address fallback reaches intercepted pods only', async () => {
    assert.equal((await pauseIntake(options, report({ address: '::ffff:10.0.0.1' })))[0], 201);
    assert.equal((await pauseIntake(options, report({ address: '10.0.0.2' })))[0], 403);
  });

  test('refusals', async () => {
    const before = opened.length;
    const cases: [string, number][] = [
      ['not json', 400],
      [JSON.stringify({ rule: 'r', requestDigest: digest }), 400],
      [report({ cgroup: ino(cgroupA) }, { requestDigest: 'abc' }), 400],
      [report({ cgroup: ino(cgroupA) }, { rule: '' }), 400],
      [report({ namespace: 'agents', pod: 'a' }), 400],
      [report({ cgroup: '12x' }), 400],
      [report({ cgroup: ino(cgroupB) }), 403],
      [report({ cgroup: ino(cgroupB), address: '10.0.0.1' }), 403],
      [report({ cgroup: ino(cgroupA), pod: 'b' }), 409],
      [report({ cgroup: ino(cgroupA), namespace: 'other' }), 409],
    ];
    for (const [raw, want] of cases) {
      const [status, body] = await pauseIntake(options, raw);
      assert.equal(status, want, raw);
      assert.equal((body as { code: string }).code, 'SM_ERR_CONTROLLER_PAUSE_REPORT');
    }
    assert.equal(opened.length, before, 'nothing refused reached the incident path');
    assert.equal((await pauseIntake({ ...options, directory: undefined }, report({ cgroup: '1' })))[0], 503);
    assert.equal(
      (await pauseIntake(options, report({ cgroup: ino(cgroupA) }, { reason: 'explode' })))[0],
      502,
    );
  });
});

const call = (socketPath: string, method: string, path: string, body = '') =>
  new Promise<number>((resolve, reject) => {
    const req = request({ socketPath, method, path }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });

describe('listenReportSocket', () => {
  test('0660, stale sockets replaced, other files refused, routes and body bound', async () => {
    const path = join(dir, 'agent.sock');
    // A node agent killed by SIGKILL leaves its socket file behind.
    spawnSync(process.execPath, [
      '-e',
      `require('node:net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`,
    ]);
    assert.ok(statSync(path).isSocket());
    const s = await listenReportSocket(path, options);
    assert.equal(statSync(path).mode & 0o777, 0o660);
    assert.equal(statSync(path).gid, statSync(dir).gid);
    assert.equal(await call(path, 'GET', '/pause'), 405);
    assert.equal(await call(path, 'POST', '/identity'), 404);
    assert.equal(await call(path, 'POST', '/pause', 'x'.repeat(70 * 1024)), 413);
    assert.equal(await call(path, 'POST', '/pause', report({ cgroup: ino(cgroupA) })), 201);
    await s.close();

    const file = join(dir, 'not-a-socket');
    writeFileSync(file, 'keep me');
    await assert.rejects(listenReportSocket(file, options), /exists and is not a socket/);
  });
});
