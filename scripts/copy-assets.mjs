#!/usr/bin/env node
// Copies the non-TypeScript files the compiled code reads at run time (the wasm runtime and its
// builtin table, the console's page and scripts, the intent languages) into dist/, next to the
// modules that load them.
import { chmodSync, copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const assets = [
  'engine/wasm/runtime/runtime.wasm',
  'engine/wasm/runtime/natives.json',
  ...readdirSync(join(root, 'console/web')).map((f) => `console/web/${f}`),
  // The intent analyser's vocabulary per language (read at start-up by intent/languages.ts).
  ...readdirSync(join(root, 'intent/languages'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => `intent/languages/${f}`),
  // The UTS #39 confusables table intent/normalize.ts reads, and the core vocabulary and command
  // knowledge intent/vocabulary.ts reads.
  ...readdirSync(join(root, 'intent/data'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => `intent/data/${f}`),
];
for (const rel of assets) {
  const to = join(root, 'dist', rel);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(join(root, rel), to);
}
// The bins run straight from a checkout's dist/ (and as a kubectl plugin found on PATH).
for (const bin of ['dist/cli/semamesh.js', 'dist/cli/kubectl-sema.js']) chmodSync(join(root, bin), 0o755);
console.log(`copied ${assets.length} assets into dist/`);
