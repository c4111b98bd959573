// Runs the real hooks (root + kernel): unmodified clients (curl, node fetch, the openai SDK) inside
// an agent cgroup call a target with no server behind it and reach a stand-in waypoint, which reads
// the original destination with getsockopt(SO_ORIGINAL_DST); clients outside are untouched; detach()
// leaves no program, link, pin or map behind. Skips with a printed reason when BPF is unavailable.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { freeze, thaw } from '../../controller/pause/cgroup.js';
import { createMockLlm, type MockLlm } from '../../test/mock-llm/index.js';
import { loadAddon } from './addon.js';
import { cgroupProcs, freezerV1Mount, removeCgroup } from './cgroup.js';
import { Interceptor } from './interceptor.js';
import { originalDestination } from './sockopt.js';
import {
  createSandbox,
  type Forwarder,
  freePort,
  privilegedSkip,
  run,
  type Sandbox,
  startForwarder,
} from './test-env.js';

/** BPF programs, maps and links this process holds open (anon inodes in /proc/self/fd). */
function bpfFds(): string[] {
  return readdirSync('/proc/self/fd')
    .map((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return '';
      }
    })
    .filter((l) => /^anon_inode:bpf-(prog|map|link)/.test(l));
}

const skip = privilegedSkip('bpf privileged tests');

const repoRoot = new URL('../..', import.meta.url).pathname;
const KEY = 'sk-test-123';
const PIN = `/sys/fs/bpf/semamesh-test-${process.pid}`;

describe('Interceptor on the real kernel', { skip }, () => {
  let mock: MockLlm;
  let sandbox: Sandbox;
  let proxy: Forwarder;
  let ic: Interceptor;
  let v6Port: number;
  const dns: Record<string, string> = { 'api.semamesh.test': '127.0.0.3' };
  // BPF objects this test process holds before the Interceptor loads anything. Other test files run
  // in parallel and load sm_* programs of their own, so "ours" is judged by this process's fds.
  const before_ = { progIds: new Set<number>(), bpfFds: 0 };

  before(async () => {
    mock = await createMockLlm({ tokenizer: 'approx', apiKeys: [KEY] });
    sandbox = createSandbox(`semamesh-test-${process.pid}`);
    proxy = await startForwarder(mock.port);
    v6Port = await freePort('::1');
    for (const p of loadAddon().listPrograms()) before_.progIds.add(p.id);
    before_.bpfFds = bpfFds().length;
    ic = new Interceptor();
    await ic.attach({
      cgroupPath: sandbox.agent,
      waypointCgroupPath: sandbox.waypoint,
      waypoint: { ip: '127.0.0.1', port: proxy.port, pid: process.pid },
      targets: [
        { ip: '127.0.0.2', port: 8443 },
        { ip: '::1', port: v6Port },
      ],
      hosts: [{ host: 'api.semamesh.test', port: 8443 }],
      resolver: async (host) => (dns[host] ? [{ address: dns[host], ttl: 30 }] : []),
      pinPath: PIN,
    });
  });

  after(async () => {
    await ic?.detach();
    await proxy?.close();
    sandbox?.cleanup();
    await mock?.close();
  });

  const curl = (url: string, cgroup?: string) =>
    run(['curl', '-sS', '--max-time', '10', '-H', `Authorization: Bearer ${KEY}`, url], { cgroup });

  test('curl inside the cgroup reaches the waypoint, which sees the original destination', async () => {
    const before = proxy.seen.length;
    const r = await curl('http://127.0.0.2:8443/v1/models', sandbox.agent);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(JSON.parse(r.stdout).data.some((m: { id: string }) => m.id === 'gpt-4o'));
    assert.deepEqual(proxy.seen[before]?.original, { address: '127.0.0.2', port: 8443, family: 'IPv4' });
  });

  test('node fetch in a child process is redirected', async () => {
    const before = proxy.seen.length;
    const script = `fetch('http://127.0.0.2:8443/v1/chat/completions', {method: 'POST', headers: {authorization: 'Bearer ${KEY}', 'content-type': 'application/json'}, body: JSON.stringify({model: 'gpt-4o', messages: [{role: 'user', content: 'hello'}]})}).then(async (r) => { console.log(r.status, JSON.stringify(await r.json())); })`;
    const r = await run([process.execPath, '-e', script], { cgroup: sandbox.agent });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^200 /);
    assert.equal(JSON.parse(r.stdout.slice(4)).object, 'chat.completion');
    assert.equal(proxy.seen[before]?.original?.address, '127.0.0.2');
  });

  test('the openai SDK in a child process is redirected', async () => {
    const before = proxy.seen.length;
    const script = `import OpenAI from 'openai';
const client = new OpenAI({ apiKey: '${KEY}', baseURL: 'http://127.0.0.2:8443/v1', maxRetries: 0 });
const r = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
console.log(JSON.stringify(r));`;
    const r = await run([process.execPath, '--input-type=module', '-e', script], {
      cgroup: sandbox.agent,
      cwd: repoRoot,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).object, 'chat.completion');
    assert.deepEqual(proxy.seen[before]?.original, { address: '127.0.0.2', port: 8443, family: 'IPv4' });
  });

  test('a client outside the cgroup is untouched: nothing listens on the target', async () => {
    const before = proxy.seen.length;
    const r = await curl('http://127.0.0.2:8443/v1/models');
    assert.equal(r.code, 7, `curl should fail to connect, got ${r.code}: ${r.stdout}`);
    assert.equal(proxy.seen.length, before);
  });

  test('an IPv6 target (::1) is redirected and reported as IPv6', async () => {
    const before = proxy.seen.length;
    const r = await curl(`http://[::1]:${v6Port}/v1/models`, sandbox.agent);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(proxy.seen[before]?.original, { address: '::1', port: v6Port, family: 'IPv6' });
    const outside = await curl(`http://[::1]:${v6Port}/v1/models`);
    assert.equal(outside.code, 7);
  });

  test('a dual-stack waypoint (listening on ::) with an IPv6 address gets IPv6 and IPv4 clients', async () => {
    const dual = await startForwarder(mock.port, '::');
    try {
      ic.setWaypoint({ ip: '127.0.0.1', ip6: '::1', port: dual.port, pid: process.pid });
      let r = await curl(`http://[::1]:${v6Port}/v1/models`, sandbox.agent);
      assert.equal(r.code, 0, r.stderr);
      assert.match(dual.seen[0]?.peer ?? '', /^::1:/, 'reached over real IPv6');
      assert.deepEqual(dual.seen[0]?.original, { address: '::1', port: v6Port, family: 'IPv6' });
      r = await curl('http://127.0.0.2:8443/v1/models', sandbox.agent);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(dual.seen[1]?.original, { address: '127.0.0.2', port: 8443, family: 'IPv4' });
    } finally {
      ic.setWaypoint({ ip: '127.0.0.1', port: proxy.port, pid: process.pid });
      await dual.close();
    }
  });

  test('targets from DNS follow the resolver; removed targets stop being redirected', async () => {
    let r = await run(
      [
        'curl',
        '-sS',
        '--resolve',
        'api.semamesh.test:8443:127.0.0.3',
        '-H',
        `Authorization: Bearer ${KEY}`,
        'http://api.semamesh.test:8443/v1/models',
      ],
      { cgroup: sandbox.agent },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(proxy.seen.at(-1)?.original?.address, '127.0.0.3');

    dns['api.semamesh.test'] = '127.0.0.4';
    await ic.refresh();
    const addrs = ic.targets().map((t) => `${t.address}:${t.port}`);
    assert.ok(addrs.includes('127.0.0.4:8443'), addrs.join(' '));
    assert.ok(addrs.includes('127.0.0.3:8443'), 'the old address stays for the grace period');
    ic.removeHost({ host: 'api.semamesh.test', port: 8443 });
    assert.ok(!ic.targets().some((t) => t.address === '127.0.0.4' || t.address === '127.0.0.3'));

    ic.removeTarget({ ip: '127.0.0.2', port: 8443 });
    r = await curl('http://127.0.0.2:8443/v1/models', sandbox.agent);
    assert.equal(r.code, 7, 'no longer a target: the connect goes to 127.0.0.2 and is refused');
    ic.addTarget({ ip: '127.0.0.2', port: 8443 });
    r = await curl('http://127.0.0.2:8443/v1/models', sandbox.agent);
    assert.equal(r.code, 0, r.stderr);
  });

  test('a target with its own waypoint port lands on that listener (the TLS one in production)', async () => {
    const tlsStandIn = await startForwarder(mock.port);
    try {
      ic.addTarget({ ip: '127.0.0.5', port: 443, waypointPort: tlsStandIn.port });
      assert.ok(ic.targets().some((t) => t.address === '127.0.0.5' && t.waypointPort === tlsStandIn.port));
      const before = proxy.seen.length;
      const r = await curl('http://127.0.0.5:443/v1/models', sandbox.agent);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(proxy.seen.length, before, 'the default listener saw nothing');
      assert.deepEqual(tlsStandIn.seen[0]?.original, { address: '127.0.0.5', port: 443, family: 'IPv4' });
    } finally {
      ic.removeTarget({ ip: '127.0.0.5', port: 443 });
      await tlsStandIn.close();
    }
  });

  test('a direct (not redirected) connection has no original destination', async () => {
    const before = proxy.seen.length;
    const sock = connect(proxy.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => sock.once('connect', resolve).once('error', reject));
    for (let i = 0; i < 100 && proxy.seen.length === before; i++) await new Promise((r) => setTimeout(r, 10));
    sock.destroy();
    assert.equal(proxy.seen.length, before + 1);
    assert.equal(proxy.seen[before].original, undefined);
    assert.throws(
      () => originalDestination(sock),
      { code: 'SM_ERR_BPF_SOCKOPT' },
      'a closed socket has no fd',
    );
  });

  test('counters and links are visible; pins exist while attached', () => {
    const s = ic.stats();
    assert.ok(s.redirected >= 5n, `redirected ${s.redirected}`);
    assert.ok(s.sockoptHit >= 5n, `sockopt hits ${s.sockoptHit}`);
    const links = ic.links();
    assert.deepEqual(links.map((l) => l.program).sort(), [
      'sm_connect4',
      'sm_connect6',
      'sm_getsockopt',
      'sm_sockops',
    ]);
    for (const l of links) assert.ok(l.pin && existsSync(l.pin), `pinned ${l.program}`);
    assert.ok(existsSync(`${PIN}/sm_targets_v1`));
  });

  test('freeze and thaw a cgroup with a process in it', async () => {
    const child = run(['sleep', '30'], { cgroup: sandbox.agent });
    for (let i = 0; i < 100 && cgroupProcs(sandbox.agent).length === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    const [pid] = cgroupProcs(sandbox.agent);
    assert.ok(pid > 0);
    await freeze(sandbox.agent);
    assert.match(readFileSync(`${sandbox.agent}/cgroup.events`, 'utf8'), /^frozen 1$/m);
    await thaw(sandbox.agent);
    assert.match(readFileSync(`${sandbox.agent}/cgroup.events`, 'utf8'), /^frozen 0$/m);
    process.kill(pid, 'SIGKILL');
    await child;
  });

  test('the v1 freezer fallback freezes and thaws too', async (t) => {
    const mount = freezerV1Mount();
    if (!mount) {
      t.diagnostic('no v1 freezer hierarchy mounted on this host');
      return;
    }
    const v1 = `${mount}/semamesh-test-${process.pid}`;
    mkdirSync(v1);
    const child = run(['/bin/sh', '-c', `echo $$ > ${v1}/cgroup.procs && exec sleep 30`]);
    try {
      for (let i = 0; i < 100 && readFileSync(`${v1}/cgroup.procs`, 'utf8').trim() === ''; i++)
        await new Promise((r) => setTimeout(r, 10));
      await freeze(v1);
      assert.equal(readFileSync(`${v1}/freezer.state`, 'utf8').trim(), 'FROZEN');
      await thaw(v1);
      assert.equal(readFileSync(`${v1}/freezer.state`, 'utf8').trim(), 'THAWED');
    } finally {
      for (const pid of readFileSync(`${v1}/cgroup.procs`, 'utf8').split('\n').filter(Boolean))
        process.kill(Number(pid), 'SIGKILL');
      await child;
      removeCgroup(v1, { evacuate: false });
    }
  });

  test('detach removes every program, link, pin and map it created', async () => {
    const addon = loadAddon();
    const ours = new Set(ic.links().map((l) => l.progId));
    await ic.detach();
    const types = addon.attachTypes;
    for (const cg of [sandbox.agent, sandbox.waypoint])
      for (const t of [types.connect4, types.connect6, types.sockops, types.getsockopt])
        assert.deepEqual(addon.cgroupQuery(cg, t), [], `${cg} type ${t}`);
    const still = addon.listPrograms().filter((p) => ours.has(p.id));
    assert.deepEqual(still, []);
    assert.deepEqual(bpfFds().length, before_.bpfFds, 'no program, map or link fd left open in this process');
    assert.equal(existsSync(PIN), false);
    const r = await curl('http://127.0.0.2:8443/v1/models', sandbox.agent);
    assert.equal(r.code, 7, 'after detach the agent reaches the real (absent) target');
    await ic.detach();
  });
});
