#!/usr/bin/env node
// Runs every *.test.ts file under the source folders with node:test (through tsx), so `npm test`
// needs no glob support from Node 20. Pass file or folder arguments to run a subset.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const skipDirs = new Set(['node_modules', 'dist', '.git', 'build', 'fixtures']);

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    if (skipDirs.has(name)) continue;
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const targets = args.filter((a) => !a.startsWith('--'));
const files = (targets.length ? targets : ['.']).flatMap((t) => {
  const abs = join(root, t);
  return statSync(abs).isDirectory() ? collect(abs, []) : [relative(root, abs)];
});
files.sort();
// SEMAMESH_TEST_EXCLUDE=a.test.ts,b.test.ts leaves files out, and says so (used by CI's Node 24 run).
const excluded = new Set((process.env.SEMAMESH_TEST_EXCLUDE ?? '').split(',').filter(Boolean));
for (const f of excluded) console.log(`# run-tests: not running ${f} (SEMAMESH_TEST_EXCLUDE)`);
files.splice(0, files.length, ...files.filter((f) => !excluded.has(f)));
if (files.length === 0) {
  console.error('run-tests: no *.test.ts files found');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...flags, ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
