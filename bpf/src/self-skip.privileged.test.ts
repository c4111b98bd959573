// The waypoint must never be redirected, even when an intercepted cgroup contains it: connect4/6
// skip sockets whose task is in the configured waypoint cgroup, or is the waypoint's process.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createCgroup, removeCgroup } from './cgroup.js';
import { Interceptor } from './interceptor.js';
import {
  createSandbox,
  type Forwarder,
  privilegedSkip,
  run,
  type Sandbox,
  startForwarder,
} from './test-env.js';

const skip = privilegedSkip('bpf self-skip tests');

/** 'refused' when nothing answered at the target, 'reached' when a listener (the redirect) did. */
function probe(): Promise<'reached' | 'refused'> {
  return new Promise((resolve) => {
    const s = connect(8443, '127.0.0.2');
    s.once('connect', () => {
      s.destroy();
      resolve('reached');
    });
    s.once('error', () => resolve('refused'));
  });
}

const PROBE_CHILD = `require('net').connect(8443, '127.0.0.2').on('connect', () => { console.log('reached'); process.exit(0); }).on('error', () => { console.log('refused'); process.exit(0); })`;

describe('the waypoint is never intercepted', { skip }, () => {
  let sandbox: Sandbox;
  let other: string;
  let proxy: Forwarder;

  before(async () => {
    sandbox = createSandbox(`semamesh-skip-${process.pid}`);
    other = createCgroup(`semamesh-skip-${process.pid}/other`);
    proxy = await startForwarder(1);
  });

  after(async () => {
    await proxy?.close();
    if (other) removeCgroup(other);
    sandbox?.cleanup();
  });

  const child = async (cgroup: string) =>
    (await run([process.execPath, '-e', PROBE_CHILD], { cgroup })).stdout.trim();

  // Hooks on the sandbox root cover both the agent and the waypoint cgroup below it.
  test('by cgroup id: the waypoint cgroup is skipped, the agent below the same root is not', async () => {
    const ic = new Interceptor();
    await ic.attach({
      cgroupPath: sandbox.root,
      waypointCgroupPath: sandbox.waypoint,
      waypoint: { ip: '127.0.0.1', port: proxy.port },
      targets: [{ ip: '127.0.0.2', port: 8443 }],
      hosts: [],
    });
    try {
      assert.equal(await probe(), 'refused', 'this process is in the waypoint cgroup');
      assert.equal(await child(sandbox.waypoint), 'refused');
      assert.equal(await child(sandbox.agent), 'reached');
      assert.ok(ic.stats().skippedWaypoint >= 2n);
    } finally {
      await ic.detach();
    }
  });

  test('by pid: the waypoint process is skipped even outside the waypoint cgroup', async () => {
    const ic = new Interceptor();
    await ic.attach({
      cgroupPath: sandbox.root,
      waypointCgroupPath: other,
      waypoint: { ip: '127.0.0.1', port: proxy.port, pid: process.pid },
      targets: [{ ip: '127.0.0.2', port: 8443 }],
      hosts: [],
    });
    try {
      assert.equal(await probe(), 'refused', 'this process is the waypoint');
      assert.equal(
        await child(sandbox.waypoint),
        'reached',
        'another process in the same cgroup is intercepted',
      );
      assert.ok(ic.stats().skippedWaypoint >= 1n);
    } finally {
      await ic.detach();
    }
  });
});
