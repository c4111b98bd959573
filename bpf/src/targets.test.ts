// TargetSet bookkeeping: static targets, DNS-tracked hosts with TTL-driven refresh, grace for
// addresses a host stopped returning, and resilience to resolver failures.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ResolvedAddress, TargetSet } from './targets.js';

function fakeDns(initial: Record<string, ResolvedAddress[]>) {
  const table = { ...initial };
  let calls = 0;
  return {
    table,
    calls: () => calls,
    resolver: async (host: string) => {
      calls++;
      const answer = table[host];
      if (!answer) throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      return answer;
    },
  };
}

const keys = (eps: { ip: string; port: number }[]) => eps.map((e) => `${e.ip}:${e.port}`).sort();

describe('TargetSet', () => {
  test('static targets and resolved hosts form one diffed set', async () => {
    const dns = fakeDns({ 'api.openai.com': [{ address: '127.0.0.5', ttl: 60 }] });
    const set = new TargetSet({ resolver: dns.resolver, now: () => 0 });
    set.addStatic({ ip: '127.0.0.2', port: 8443 });
    set.addHost({ host: 'api.openai.com', port: 443 });
    await set.refresh(true);
    const first = set.takeDiff();
    assert.deepEqual(keys(first.add), ['127.0.0.2:8443', '127.0.0.5:443']);
    assert.deepEqual(first.remove, []);
    assert.deepEqual(set.takeDiff(), { add: [], remove: [] });
    set.removeStatic({ ip: '127.0.0.2', port: 8443 });
    assert.deepEqual(keys(set.takeDiff().remove), ['127.0.0.2:8443']);
  });

  test("changing a target's waypoint port is reported as an add (a map update overwrites)", () => {
    const set = new TargetSet({ resolver: fakeDns({}).resolver });
    set.addStatic({ ip: '127.0.0.2', port: 443 });
    set.takeDiff();
    set.addStatic({ ip: '127.0.0.2', port: 443, waypointPort: 15443 });
    assert.deepEqual(set.takeDiff(), {
      add: [{ ip: '127.0.0.2', port: 443, waypointPort: 15443 }],
      remove: [],
    });
    assert.throws(() => set.addStatic({ ip: '127.0.0.2', port: 443, waypointPort: 0 }), {
      code: 'SM_ERR_BPF_TARGET_INVALID',
    });
  });

  test('IPv4-mapped spelling is the same target', () => {
    const set = new TargetSet({ resolver: fakeDns({}).resolver });
    set.addStatic({ ip: '127.0.0.2', port: 1 });
    set.addStatic({ ip: '::ffff:127.0.0.2', port: 1 });
    assert.equal(set.desired().size, 1);
  });

  test('re-resolution follows the TTL within the bounds', async () => {
    let now = 1_000_000;
    const dns = fakeDns({ h: [{ address: '127.0.0.5', ttl: 30 }] });
    const set = new TargetSet({
      resolver: dns.resolver,
      now: () => now,
      minIntervalMs: 5_000,
      maxIntervalMs: 60_000,
    });
    set.addHost({ host: 'h', port: 443 });
    await set.refresh();
    assert.equal(set.nextDue(), now + 30_000);
    await set.refresh();
    assert.equal(dns.calls(), 1, 'not due yet');
    now += 30_000;
    dns.table.h = [{ address: '127.0.0.5', ttl: 1 }];
    await set.refresh();
    assert.equal(dns.calls(), 2);
    assert.equal(set.nextDue(), now + 5_000, 'clamped to the minimum interval');
  });

  test('an address the host stopped returning stays for the grace period, then goes', async () => {
    let now = 0;
    const dns = fakeDns({ h: [{ address: '127.0.0.5', ttl: 10 }] });
    const set = new TargetSet({
      resolver: dns.resolver,
      now: () => now,
      minIntervalMs: 1_000,
      graceMs: 60_000,
    });
    set.addHost({ host: 'h', port: 443 });
    await set.refresh();
    set.takeDiff();
    dns.table.h = [{ address: '127.0.0.6', ttl: 10 }];
    now += 10_000;
    await set.refresh();
    let diff = set.takeDiff();
    assert.deepEqual(keys(diff.add), ['127.0.0.6:443']);
    assert.deepEqual(diff.remove, []);
    now += 61_000;
    await set.refresh();
    diff = set.takeDiff();
    assert.deepEqual(keys(diff.remove), ['127.0.0.5:443']);
  });

  test('a failing resolver keeps the previous addresses and reports the error', async () => {
    const dns = fakeDns({ h: [{ address: '127.0.0.5' }] });
    const set = new TargetSet({ resolver: dns.resolver, now: () => 0 });
    set.addHost({ host: 'h', port: 443 });
    await set.refresh(true);
    set.takeDiff();
    delete dns.table.h;
    const errors = await set.refresh(true);
    assert.equal(errors.length, 1);
    assert.equal(errors[0].host, 'h');
    assert.deepEqual(set.takeDiff(), { add: [], remove: [] });
    assert.ok(set.hosts()[0].lastError instanceof Error);
  });

  test('non-IP answers are ignored and bad input is a coded error', async () => {
    const set = new TargetSet({
      resolver: async () => [{ address: 'garbage' }, { address: '::1' }],
      now: () => 0,
    });
    set.addHost({ host: 'h', port: 443 });
    await set.refresh(true);
    assert.deepEqual(keys(set.takeDiff().add), ['::1:443']);
    assert.throws(() => set.addStatic({ ip: 'nope', port: 1 }), { code: 'SM_ERR_BPF_TARGET_INVALID' });
    assert.throws(() => set.addHost({ host: '', port: 1 }), { code: 'SM_ERR_BPF_TARGET_INVALID' });
    assert.throws(() => set.addHost({ host: 'h', port: 0 }), { code: 'SM_ERR_BPF_TARGET_INVALID' });
  });
});
