// Writes deploy/crds/*.yaml from the TypeBox schemas in api (`--check`: report drift, write nothing).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crdFiles, crdFor, KINDS, structuralProblems } from '../api/index.js';

const root = new URL('..', import.meta.url).pathname;
const outDir = join(root, 'deploy/crds');
const check = process.argv.includes('--check');

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

const problems = KINDS.flatMap((k) => structuralProblems(crdFor(k)));
if (problems.length > 0) {
  console.error(`gen-crds: the schemas would not make structural CRDs:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}

let stale = 0;
for (const [name, text] of crdFiles()) {
  const path = join(outDir, name);
  if (readOrEmpty(path) === text) continue;
  stale++;
  if (check)
    console.error(`gen-crds: deploy/crds/${name} differs from the schema; run npx tsx scripts/gen-crds.ts`);
  else {
    writeFileSync(path, text);
    console.log(`gen-crds: wrote deploy/crds/${name}`);
  }
}
if (check && stale > 0) process.exit(1);
if (stale === 0) console.log('gen-crds: deploy/crds is up to date');
