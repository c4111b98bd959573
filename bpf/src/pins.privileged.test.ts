// Pinned links outlive their process (that is what a node agent restart relies on), and
// Interceptor.removeStalePins() detaches what a killed process left behind.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { loadAddon } from './addon.js';
import { Interceptor } from './interceptor.js';
import { createSandbox, privilegedSkip, run, type Sandbox } from './test-env.js';

const skip = privilegedSkip('bpf pin tests');

const repoRoot = new URL('../..', import.meta.url).pathname;

describe('pins survive a killed process and are removable', { skip }, () => {
  let sandbox: Sandbox;
  const pin = `/sys/fs/bpf/semamesh-pins-${process.pid}`;

  before(() => {
    sandbox = createSandbox(`semamesh-pins-${process.pid}`);
  });

  after(() => {
    Interceptor.removeStalePins(pin);
    sandbox?.cleanup();
  });

  test('a child attaches with pins and exits without detach; removeStalePins detaches', async () => {
    const script = `import { Interceptor } from './bpf/src/index.ts';
const ic = new Interceptor();
await ic.attach({ cgroupPath: ${JSON.stringify(sandbox.agent)}, waypointCgroupPath: ${JSON.stringify(sandbox.waypoint)},
  waypoint: { ip: '127.0.0.1', port: 9 }, targets: [{ ip: '127.0.0.2', port: 8443 }], hosts: [], pinPath: ${JSON.stringify(pin)} });
console.log('attached');
process.exit(0);`;
    const r = await run([process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repoRoot,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /attached/);
    const addon = loadAddon();
    const t = addon.attachTypes;
    assert.equal(
      addon.cgroupQuery(sandbox.agent, t.connect4).length,
      1,
      'the pinned link kept connect4 attached',
    );
    assert.ok(existsSync(`${pin}/sm_targets_v1`));

    assert.equal(Interceptor.removeStalePins(pin), true);
    for (const type of [t.connect4, t.connect6, t.sockops])
      assert.deepEqual(addon.cgroupQuery(sandbox.agent, type), []);
    assert.deepEqual(addon.cgroupQuery(sandbox.waypoint, t.getsockopt), []);
    assert.equal(existsSync(pin), false);
    assert.equal(Interceptor.removeStalePins(pin), false);
  });
});

describe('a failed attach leaves nothing behind', { skip }, () => {
  let sandbox: Sandbox;

  before(() => {
    sandbox = createSandbox(`semamesh-fail-${process.pid}`);
  });

  after(() => sandbox?.cleanup());

  const base = () => ({
    waypointCgroupPath: sandbox.waypoint,
    waypoint: { ip: '127.0.0.1', port: 9 },
    targets: [{ ip: '127.0.0.2', port: 8443 }],
    hosts: [],
  });

  test('a missing agent cgroup is SM_ERR_BPF_ATTACH and the waypoint hook is rolled back', async () => {
    const ic = new Interceptor();
    await assert.rejects(
      ic.attach({ ...base(), cgroupPath: `${sandbox.root}/does-not-exist` }),
      (err: Error) => {
        assert.equal((err as { code?: string }).code, 'SM_ERR_BPF_ATTACH');
        assert.match(err.message, /ENOENT/);
        return true;
      },
    );
    assert.equal(ic.attached, false);
    assert.deepEqual(loadAddon().cgroupQuery(sandbox.waypoint, loadAddon().attachTypes.getsockopt), []);
  });

  test('an existing pin path is SM_ERR_BPF_PIN and is left alone', async () => {
    const dir = `/sys/fs/bpf/semamesh-taken-${process.pid}`;
    mkdirSync(dir);
    try {
      const ic = new Interceptor();
      await assert.rejects(ic.attach({ ...base(), cgroupPath: sandbox.agent, pinPath: dir }), {
        code: 'SM_ERR_BPF_PIN',
      });
      assert.ok(existsSync(dir));
      assert.deepEqual(loadAddon().cgroupQuery(sandbox.agent, loadAddon().attachTypes.connect4), []);
    } finally {
      rmdirSync(dir);
    }
  });

  test('the agent and waypoint cgroups being the same is refused up front', async () => {
    await assert.rejects(new Interceptor().attach({ ...base(), cgroupPath: sandbox.waypoint }), {
      code: 'SM_ERR_BPF_STATE',
    });
  });
});
