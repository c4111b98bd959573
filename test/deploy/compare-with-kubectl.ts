// Developer check, not a test (CI has no kubectl): renders each target with `kubectl kustomize`
// and with test/deploy/kustomize.ts and reports any object that differs.
// Run: npx tsx test/deploy/compare-with-kubectl.ts

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { type KObject, kustomize, loadYamlObjects, REPO_ROOT } from './kustomize.js';

const TARGETS = [
  'deploy/base',
  'deploy/overlays/kind',
  'deploy/overlays/local',
  'deploy/overlays/production',
];
const key = (o: KObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

let differences = 0;
for (const target of TARGETS) {
  const r = spawnSync('kubectl', ['kustomize', join(REPO_ROOT, target)], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    console.error(`kubectl kustomize ${target} failed: ${r.error?.message ?? r.stderr}`);
    process.exit(2);
  }
  const theirs = new Map(loadYamlObjects(r.stdout, target).map((o) => [key(o), o]));
  const ours = new Map(kustomize(join(REPO_ROOT, target)).map((o) => [key(o), o]));
  for (const k of new Set([...theirs.keys(), ...ours.keys()]))
    if (!isDeepStrictEqual(theirs.get(k), ours.get(k))) {
      differences++;
      console.log(`${target}: ${k} differs`);
    }
  console.log(`${target}: ${ours.size} objects compared`);
}
process.exit(differences ? 1 : 0);
