// spawnIntercepted on the real kernel, as `semamesh exec` will use it: the command's connections to
// a target reach the waypoint, the exit code comes back, and the hooks and cgroups are gone after.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { createMockLlm, type MockLlm } from '../../test/mock-llm/index.js';
import { loadAddon } from './addon.js';
import { type ExecCgroups, prepareExecCgroups, spawnIntercepted } from './exec.js';
import { type Forwarder, privilegedSkip, startForwarder } from './test-env.js';

const skip = privilegedSkip('bpf exec tests');

/** curl printing only the HTTP status of a call to the intercepted target 127.0.0.2:8443. */
const CURL_STATUS = [
  'curl',
  '-sS',
  '-o',
  '/dev/null',
  '-w',
  '%{http_code}',
  '-H',
  'Authorization: Bearer k',
  'http://127.0.0.2:8443/v1/models',
];

describe('spawnIntercepted on the real kernel', { skip }, () => {
  let mock: MockLlm;
  let cgroups: ExecCgroups;
  let proxy: Forwarder;

  before(async () => {
    mock = await createMockLlm({ tokenizer: 'approx' });
    cgroups = prepareExecCgroups(`semamesh-exec-test-${process.pid}`);
    proxy = await startForwarder(mock.port);
  });

  /** A fresh cgroup pair for a test that runs after the first one cleaned up its own. */
  const prepared = () => {
    cgroups = prepareExecCgroups(`semamesh-exec-test2-${process.pid}`);
    return cgroups;
  };

  after(async () => {
    await proxy?.close();
    if (cgroups && existsSync(cgroups.root)) cgroups.cleanup();
    await mock?.close();
  });

  test('the command is intercepted, its exit code returned, and everything removed after', async () => {
    const run = await spawnIntercepted(
      CURL_STATUS,
      cgroups,
      {
        waypoint: { ip: '127.0.0.1', port: proxy.port },
        targets: [{ ip: '127.0.0.2', port: 8443 }],
        hosts: [],
      },
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    run.child.stdout?.on('data', (d: Buffer) => {
      out += d;
    });
    const progIds = run.interceptor.links().map((l) => l.progId);
    assert.equal(await run.exited, 0);
    assert.equal(out, '200');
    assert.deepEqual(proxy.seen.at(-1)?.original, { address: '127.0.0.2', port: 8443, family: 'IPv4' });
    assert.equal(run.interceptor.attached, false);
    const live = new Set(
      loadAddon()
        .listPrograms()
        .map((p) => p.id),
    );
    assert.deepEqual(
      progIds.filter((id) => live.has(id)),
      [],
    );
    cgroups.cleanup();
    assert.equal(existsSync(cgroups.root), false);
  });

  test('a DNS server that never answers does not hold attach(); static targets work meanwhile', async () => {
    const run = await spawnIntercepted(
      CURL_STATUS,
      prepared(),
      {
        waypoint: { ip: '127.0.0.1', port: proxy.port },
        targets: [{ ip: '127.0.0.2', port: 8443 }],
        hosts: [{ host: 'never.semamesh.test', port: 443 }],
        resolver: () => new Promise(() => {}),
        initialResolveMs: 50,
      },
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    run.child.stdout?.on('data', (d: Buffer) => {
      out += d;
    });
    assert.equal(await run.exited, 0);
    assert.equal(out, '200');
  });
});
