#!/usr/bin/env node
// Copies the non-TypeScript files the compiled code reads at run time (the wasm runtime and its
// builtin table, the console's page and scripts, the intent languages) into dist/, next to the
// modules that load them, then writes dist/build-id: a hash of the policy compiler's built files.
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
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
// The compiled-policy cache (cli/commands/policy-cache.ts) keys on this id instead of statting
// every compiler file at start-up: a hash of the contents of dist/api, dist/engine and dist/intent
// (without the phrase-key store written below, so the id does not depend on the previous build's).
const phraseKeys = join(root, 'dist/intent/phrase-keys.json');
rmSync(phraseKeys, { force: true });
const buildId = createHash('sha256');
const hashDir = (dir) => {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) hashDir(path);
    else if (e.isFile()) buildId.update(`${path.slice(root.length)}\0`).update(readFileSync(path));
  }
};
for (const d of ['api', 'engine', 'intent']) hashDir(join(root, 'dist', d));
writeFileSync(join(root, 'dist', 'build-id'), `${buildId.digest('hex')}\n`);
// The tokeniser's encodings in the compact form dist/waypoint/tokens/index.js reads at first use
// (instead of loading js-tiktoken's rank modules and building tables from their base64 text).
const { createRequire } = await import('node:module');
const tokens = join(root, 'dist/waypoint/tokens');
const { storedEncoding, storedTablePath } = await import(join(tokens, 'index.js'));
const requireRanks = createRequire(join(tokens, 'index.js'));
for (const f of readdirSync(tokens)) if (f.endsWith('.ranks')) unlinkSync(join(tokens, f));
for (const enc of ['o200k_base', 'cl100k_base']) {
  const path = storedTablePath(enc);
  if (path) writeFileSync(path, storedEncoding(requireRanks(`js-tiktoken/ranks/${enc}`)));
}
// The intent vocabulary's phrase keys (read back by dist/intent/phrase-keys.js instead of lexing
// every word at start-up): computed by loading the word lists and building the phrase table once, here.
const { storedKeysFile } = await import(join(root, 'dist/intent/phrase-keys.js'));
await import(join(root, 'dist/intent/prose-words.js'));
(await import(join(root, 'dist/intent/lexing.js'))).phraseTable({});
writeFileSync(phraseKeys, storedKeysFile());
console.log(
  `copied ${assets.length} assets into dist/, wrote dist/build-id, the rank tables and the phrase keys`,
);
