// The shell phases of `npm test` (scripts/test-*.sh) when a prerequisite is absent: outside CI they
// skip and print why (exit 0); under CI=true — and, for the cluster, SEMAMESH_REQUIRE_K8S=1 — they
// fail (exit 1) with the same reason. Every case here makes the prerequisite missing on purpose
// (a cache or TMPDIR that does not exist, an opa version no module proxy has), so nothing is started.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';

const ROOT = new URL('..', import.meta.url).pathname;
const SCRIPTS = ['test-cluster.sh', 'test-node24.sh', 'test-opa-suites.sh'];

function phase(script: string, env: Record<string, string>) {
  const clean = { ...process.env };
  for (const k of ['CI', 'SEMAMESH_REQUIRE_K8S', 'K8S_BIN', 'SEMAMESH_OPA_SOURCE']) delete clean[k];
  const r = spawnSync('bash', [join(ROOT, 'scripts', script)], {
    env: { ...clean, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

// Each phase with its prerequisite removed, and the reason it must print.
const absent: Record<string, { env: Record<string, string>; reason: RegExp }> = {
  'test-cluster.sh': {
    // A state dir of its own: a cluster running on this machine must not change the outcome.
    env: {
      SEMAMESH_CACHE: '/nonexistent/semamesh-cache',
      SEMAMESH_CLUSTER_DIR: '/nonexistent/semamesh-cluster',
    },
    reason:
      process.getuid?.() === 0
        ? /\/nonexistent\/semamesh-cache\/k8s\/v[0-9.]+\/bin\/etcd does not exist/
        : /needs root/,
  },
  'test-node24.sh': {
    env: { TMPDIR: '/nonexistent/tmp' },
    reason: /Node 24 is not installed at \/nonexistent\/tmp\/semamesh-node24\/node_modules\/node\/bin\/node/,
  },
  'test-opa-suites.sh': {
    env: { SEMAMESH_OPA_VERSION: 'v0.0.0-absent', GOPROXY: 'off', GOFLAGS: '' },
    reason: /go is not installed|opa v0\.0\.0-absent's module source is not in the Go module cache/,
  },
};

// test-node24.sh has nothing to do when `node` itself is 24 (the unit phase ran under it).
const pathNodeIs24 =
  spawnSync('node', ['-p', 'process.versions.node.split(".")[0]'], {
    encoding: 'utf8',
  }).stdout.trim() === '24';

describe('npm test shell phases', () => {
  test('bash -n and shellcheck accept them', () => {
    for (const f of [...SCRIPTS, 'test-lib.sh']) {
      const path = join(ROOT, 'scripts', f);
      assert.equal(spawnSync('bash', ['-n', path]).status, 0, `bash -n ${f}`);
      const sc = spawnSync('shellcheck', ['-x', path], { encoding: 'utf8', cwd: ROOT });
      assert.equal(sc.error, undefined, 'shellcheck is not installed (Debian package shellcheck)');
      assert.equal(sc.status, 0, sc.stdout);
    }
  });

  for (const script of SCRIPTS) {
    const { env, reason } = absent[script];
    const skip = script === 'test-node24.sh' && pathNodeIs24 ? '`node` on PATH is 24' : false;
    test(`${script}: skipped with the reason outside CI`, { skip }, () => {
      const r = phase(script, env);
      assert.equal(r.status, 0, r.out);
      assert.match(r.out, /: skipped: /);
      assert.match(r.out, reason);
    });
    test(`${script}: an error with the reason under CI=true`, { skip }, () => {
      const r = phase(script, { ...env, CI: 'true' });
      assert.equal(r.status, 1, r.out);
      assert.doesNotMatch(r.out, /skipped/);
      assert.match(r.out, reason);
      assert.match(r.out, /required under CI=true/);
    });
  }

  test('test-cluster.sh: refuses when a cluster already runs in its state dir', {
    skip: process.getuid?.() === 0 ? false : 'the check comes after the root check',
  }, () => {
    // A live pid (this process) in a state dir of our own; the missing cache stops the script
    // before any `up` should the check ever not fire.
    const dir = mkdtempSync(join(tmpdir(), 'sm-test-cluster-'));
    try {
      mkdirSync(join(dir, 'pids'));
      writeFileSync(join(dir, 'pids', 'etcd.pid'), String(process.pid));
      const r = phase('test-cluster.sh', {
        ...absent['test-cluster.sh'].env,
        SEMAMESH_CLUSTER_DIR: dir,
      });
      assert.equal(r.status, 1, r.out);
      assert.match(
        r.out,
        new RegExp(`a local cluster already runs in ${dir} \\(etcd, pid ${process.pid}\\)`),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('test-cluster.sh: an error under SEMAMESH_REQUIRE_K8S=1', () => {
    const r = phase('test-cluster.sh', { ...absent['test-cluster.sh'].env, SEMAMESH_REQUIRE_K8S: '1' });
    assert.equal(r.status, 1, r.out);
    assert.match(r.out, absent['test-cluster.sh'].reason);
    assert.match(r.out, /required by SEMAMESH_REQUIRE_K8S=1/);
  });
});
