// Checks that bpf/include/types.h (compiled by the host C compiler) and the TS encoders in
// layout.ts agree on every size, offset, flag and counter index, and that the encoders round-trip.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { bpfRoot, objectPath } from './addon.js';
import {
  CFG_ENABLED,
  CFG_SKMSG,
  decodeEndpoint,
  decodeSockaddr,
  encodeConfig,
  encodeEndpointKey,
  ip16,
  LAYOUT,
  STAT_SLOTS,
  STATS,
} from './layout.js';

const PROBE = `
#include <stddef.h>
#include <stdio.h>
#include "types.h"
#define F(s, f) printf("\\"%s.%s\\":%zu,", #s, #f, offsetof(struct s, f))
#define S(s) printf("\\"%s.size\\":%zu,", #s, sizeof(struct s))
#define V(n) printf("\\"%s\\":%d,", #n, (int)(n))
int main(void) {
  printf("{");
  S(sm_endpoint); F(sm_endpoint, addr); F(sm_endpoint, port); F(sm_endpoint, family);
  S(sm_target); F(sm_target, waypoint_port); F(sm_target, flags);
  S(sm_config); F(sm_config, waypoint_cgroup_id); F(sm_config, waypoint_tgid); F(sm_config, waypoint_ip4);
  F(sm_config, waypoint_ip6); F(sm_config, waypoint_port); F(sm_config, flags);
  S(sm_sock_pair); F(sm_sock_pair, local_addr); F(sm_sock_pair, remote_addr); F(sm_sock_pair, local_port);
  F(sm_sock_pair, remote_port);
  S(sm_origin); F(sm_origin, dst); F(sm_origin, tgid); F(sm_origin, cgroup_id);
  V(SM_CFG_ENABLED); V(SM_CFG_SKMSG); V(SM_STAT_MAX);
  V(SM_STAT_REDIRECTED); V(SM_STAT_SKIPPED_WAYPOINT); V(SM_STAT_ESTABLISHED); V(SM_STAT_SOCKOPT_HIT);
  V(SM_STAT_SOCKOPT_MISS); V(SM_STAT_SKMSG_REDIRECT); V(SM_STAT_ORIGIN_HIT); V(SM_STAT_ORIGIN_MISS);
  printf("\\"end\\":0}\\n");
  return 0;
}
`;

function compilerLayout(): Record<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'sm-layout-'));
  try {
    writeFileSync(join(dir, 'probe.c'), PROBE);
    const cc = process.env.CC ?? 'cc';
    const build = spawnSync(
      cc,
      ['-I', join(bpfRoot(), 'include'), '-o', join(dir, 'probe'), join(dir, 'probe.c')],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(build.status, 0, `compiling the layout probe failed: ${build.stderr}`);
    const run = spawnSync(join(dir, 'probe'), { encoding: 'utf8' });
    assert.equal(run.status, 0);
    return JSON.parse(run.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('types.h and layout.ts agree', () => {
  test('sizes, offsets, flags and counter indexes', () => {
    const c = compilerLayout();
    const ts: Record<string, number> = {};
    for (const [struct, fields] of Object.entries(LAYOUT))
      for (const [field, value] of Object.entries(fields)) ts[`${struct}.${field}`] = value;
    for (const [k, v] of Object.entries(ts)) assert.equal(c[k], v, `${k}: C says ${c[k]}, TS says ${v}`);
    assert.equal(c.SM_CFG_ENABLED, CFG_ENABLED);
    assert.equal(c.SM_CFG_SKMSG, CFG_SKMSG);
    assert.equal(c.SM_STAT_MAX, STAT_SLOTS);
    assert.deepEqual(
      [
        c.SM_STAT_REDIRECTED,
        c.SM_STAT_SKIPPED_WAYPOINT,
        c.SM_STAT_ESTABLISHED,
        c.SM_STAT_SOCKOPT_HIT,
        c.SM_STAT_SOCKOPT_MISS,
        c.SM_STAT_SKMSG_REDIRECT,
        c.SM_STAT_ORIGIN_HIT,
        c.SM_STAT_ORIGIN_MISS,
      ],
      [
        STATS.redirected,
        STATS.skippedWaypoint,
        STATS.established,
        STATS.sockoptHit,
        STATS.sockoptMiss,
        STATS.skmsgRedirect,
        STATS.originHit,
        STATS.originMiss,
      ],
    );
  });
});

interface BtfType {
  kind: string;
  name?: string;
  size?: number;
  members?: { name: string; bits_offset: number }[];
}

/** The struct layouts as the BPF compiler laid them out, from the object's BTF (via bpftool). */
function btfLayout(): Record<string, number> | string {
  if (!existsSync(objectPath())) return `${objectPath()} not built`;
  const r = spawnSync('bpftool', ['-j', 'btf', 'dump', 'file', objectPath()], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) return `bpftool unavailable: ${r.error?.message ?? r.stderr}`;
  const out: Record<string, number> = {};
  for (const t of (JSON.parse(r.stdout) as { types: BtfType[] }).types) {
    if (t.kind !== 'STRUCT' || !t.name?.startsWith('sm_')) continue;
    out[`${t.name}.size`] = t.size ?? -1;
    for (const m of t.members ?? []) out[`${t.name}.${m.name}`] = m.bits_offset / 8;
  }
  return out;
}

const btf = btfLayout();
if (typeof btf === 'string') console.log(`# BTF layout check skipped: ${btf}`);

describe('the built BPF object agrees too (its BTF)', {
  skip: typeof btf === 'string' ? btf : undefined,
}, () => {
  test('every LAYOUT entry matches the object', () => {
    const b = btf as Record<string, number>;
    for (const [struct, fields] of Object.entries(LAYOUT))
      for (const [field, value] of Object.entries(fields))
        assert.equal(b[`${struct}.${field}`], value, `${struct}.${field} in the BPF object`);
  });
});

describe('encoders', () => {
  test('IPv4 and IPv4-mapped IPv6 encode to the same 16 bytes', () => {
    assert.equal(ip16('127.0.0.2').toString('hex'), '00000000000000000000ffff7f000002');
    assert.deepEqual(ip16('::ffff:127.0.0.2'), ip16('127.0.0.2'));
    assert.equal(ip16('::1').toString('hex'), '00000000000000000000000000000001');
    assert.equal(ip16('2001:db8::8a2e:370:7334').toString('hex'), '20010db80000000000008a2e03707334');
  });

  test('endpoint keys round-trip with the port in network order', () => {
    const key = encodeEndpointKey({ ip: '127.0.0.2', port: 8443 });
    assert.equal(key.length, LAYOUT.sm_endpoint.size);
    assert.equal(key.readUInt16BE(LAYOUT.sm_endpoint.port), 8443);
    assert.deepEqual(decodeEndpoint(key), { address: '127.0.0.2', port: 8443, family: 'IPv4', rawFamily: 0 });
    const v6 = decodeEndpoint(encodeEndpointKey({ ip: '2001:db8::1', port: 443 }));
    assert.equal(v6.address, '2001:db8::1');
    assert.equal(v6.family, 'IPv6');
  });

  test('config puts the waypoint address and port in network order', () => {
    const b = encodeConfig({
      waypointIp4: '127.0.0.1',
      waypointPort: 15001,
      waypointCgroupId: 42n,
      waypointTgid: 7,
      flags: 3,
    });
    assert.equal(b.length, LAYOUT.sm_config.size);
    assert.equal(b.readBigUInt64LE(0), 42n);
    assert.equal(b.readUInt32LE(LAYOUT.sm_config.waypoint_tgid), 7);
    assert.deepEqual([...b.subarray(12, 16)], [127, 0, 0, 1]);
    assert.equal(b.readUInt16BE(LAYOUT.sm_config.waypoint_port), 15001);
    assert.equal(b.readUInt16LE(LAYOUT.sm_config.flags), 3);
  });

  test('bad input is a coded error, not a crash', () => {
    assert.throws(() => encodeEndpointKey({ ip: 'not-an-ip', port: 1 }), {
      code: 'SM_ERR_BPF_TARGET_INVALID',
    });
    assert.throws(() => encodeEndpointKey({ ip: '127.0.0.1', port: 70000 }), {
      code: 'SM_ERR_BPF_TARGET_INVALID',
    });
    assert.throws(() => encodeConfig({ waypointIp4: '::1', waypointPort: 1, flags: 0 }), {
      code: 'SM_ERR_BPF_TARGET_INVALID',
    });
  });

  test('sockaddr_in and sockaddr_in6 decode', () => {
    const sin = Buffer.alloc(16);
    sin.writeUInt16LE(2, 0);
    sin.writeUInt16BE(8443, 2);
    Buffer.from([127, 0, 0, 2]).copy(sin, 4);
    assert.deepEqual(decodeSockaddr(sin), { address: '127.0.0.2', port: 8443, family: 'IPv4' });
    const sin6 = Buffer.alloc(28);
    sin6.writeUInt16LE(10, 0);
    sin6.writeUInt16BE(443, 2);
    ip16('::1').copy(sin6, 8);
    assert.deepEqual(decodeSockaddr(sin6), { address: '::1', port: 443, family: 'IPv6' });
    assert.equal(decodeSockaddr(Buffer.alloc(4)), undefined);
  });
});
