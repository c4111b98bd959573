// The published package as a user gets it: build a clean copy of the sources, `npm pack`, install
// the tarball globally into a temporary prefix, and run both bins from that prefix's PATH.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'semamesh-pack-'));
const prefix = join(work, 'prefix');
const env: NodeJS.ProcessEnv = {
  ...process.env,
  PATH: `${join(prefix, 'bin')}:${process.env.PATH}`,
  KUBECONFIG: '',
  HOME: work,
};
delete env.KUBERNETES_SERVICE_HOST;
let files: string[] = [];

before(
  () => {
    // A copy of what Git tracks (plus this branch's new files), so stale dist/ or local junk cannot leak in.
    const src = join(work, 'src');
    const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean);
    for (const f of tracked) {
      mkdirSync(join(src, f, '..'), { recursive: true });
      cpSync(join(root, f), join(src, f));
    }
    symlinkSync(join(root, 'node_modules'), join(src, 'node_modules'));
    execFileSync('npm', ['run', 'build'], { cwd: src, stdio: 'pipe' });
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: src, encoding: 'utf8' }),
    ) as { filename: string; files: { path: string }[] }[];
    files = packed[0].files.map((f) => f.path);
    // Registry packages come from npm's cache when it has them; install scripts (native builds) are
    // skipped: the commands below do not open SQLite or load the eBPF addon.
    execFileSync(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        join(work, packed[0].filename),
      ],
      { stdio: 'pipe' },
    );
  },
  { timeout: 900_000 },
);

after(() => {
  // the temporary prefix stays for inspection when a test failed; tmpdir is cleaned by the OS
});

const run = (bin: string, ...args: string[]) =>
  spawnSync(join(prefix, 'bin', bin), args, { env, encoding: 'utf8', cwd: work });

test('the tarball holds the built CLI, the console and the examples, not the tests', () => {
  for (const f of [
    'dist/cli/semamesh.js',
    // the bin loads the bundled CLI (scripts/bundle.mjs); the commands below run from it
    'dist/cli/bundle/main.cjs',
    'dist/cli/kubectl-sema.js',
    'dist/console/web/app.js',
    'examples/sample-policy.yaml',
  ])
    assert.ok(files.includes(f), `${f} missing from the package`);
  assert.deepEqual(
    files.filter((f) => /\.test\.(js|ts)$/.test(f)),
    [],
  );
  assert.deepEqual(
    files.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts')),
    [],
  );
});

test('semamesh works after a global install', () => {
  const v = run('semamesh', 'version', '-o', 'json');
  assert.equal(v.status, 0, v.stderr);
  assert.equal((JSON.parse(v.stdout) as { semamesh: string }).semamesh, '0.1.0');
  const installed = join(prefix, 'lib', 'node_modules', 'semamesh');
  const sample = join(installed, 'examples', 'sample-policy.yaml');
  const val = run('semamesh', 'validate', sample);
  assert.equal(val.status, 0, val.stdout + val.stderr);
  const out = join(work, 'bundle.tar.gz');
  const c = run('semamesh', 'compile', '-q', '-o', out, sample);
  assert.equal(c.status, 0, c.stderr);
  assert.ok(readdirSync(work).includes('bundle.tar.gz'));
  const comp = run('semamesh', 'completion', 'bash');
  assert.match(comp.stdout, /complete -o default -F _semamesh_complete semamesh/);
});

test('kubectl-sema is on PATH as a kubectl plugin and explains a missing kubeconfig', () => {
  const r = spawnSync('kubectl-sema', ['list'], { env, encoding: 'utf8', cwd: work });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no kubeconfig found .*SM_ERR_CONTROLLER_KUBECTL/);
  const h = run('kubectl-sema', '--help');
  assert.match(h.stdout, /approve \[options\] <incident>/);
});
