#!/usr/bin/env node
// The `semamesh` bin as `npm run build` writes it (scripts/bundle.mjs copies this file to
// dist/cli/semamesh.js and fills in BUILD): runs the bundled CLI, dist/cli/bundle/main.cjs, with a
// V8 code cache, so a start does not parse and compile ~6 MB of JavaScript again (issue 18).
// The bundle is one function expression compiled with vm.Script. Its code cache is read from, in
// order: this user's cache directory (written by an earlier start, after its first seconds of
// work, so it holds the functions a start-up runs) and the one `npm run build` made next to the
// bundle (for a fresh container; made for no Node options and for our manifests'). V8 refuses a cache made by another V8
// version, other V8 flags or another source, and the file names carry the build's content hash,
// Node's version and the process's Node options, so a stale cache only costs the normal compile.
// Nothing here may stop the CLI: every cache error is ignored.

import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import vm from 'node:vm';

/** A content hash of bundle/main.cjs, written by scripts/bundle.mjs. */
const BUILD = '__BUILD__';
const file = fileURLToPath(new URL('./bundle/main.cjs', import.meta.url));
const options = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ').trim();
const flags = options && `-${createHash('sha256').update(options).digest('hex').slice(0, 8)}`;
const tag = `${BUILD}-${process.version}-${process.arch}${flags}`;
const shipped = `${file.slice(0, -'.cjs'.length)}-${process.version}-${process.arch}${flags}.cache`;
/** Like Node 22's module.enableCompileCache: NODE_COMPILE_CACHE, else a folder of the OS temp dir. */
const cacheDir =
  process.env.NODE_COMPILE_CACHE || join(tmpdir(), `semamesh-code-cache-${process.getuid?.() ?? 'user'}`);
const ownCache = join(cacheDir, `${tag}.cache`);

/** Our own directory only: another user could otherwise plant compiled code for us to run. */
function private_(dir) {
  const st = lstatSync(dir);
  return st.isDirectory() && (st.mode & 0o022) === 0 && (!process.getuid || st.uid === process.getuid());
}

function readCache() {
  try {
    if (private_(cacheDir)) return { data: readFileSync(ownCache), trained: true };
  } catch {
    // no cache of ours yet
  }
  try {
    return { data: readFileSync(shipped), trained: false };
  } catch {
    // not built, or by another Node
  }
  return { data: undefined, trained: false };
}

/** Writes the code compiled so far (start-up's functions included) for the next start. */
function writeCache(script) {
  try {
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    if (!private_(cacheDir)) return;
    const temp = `${ownCache}.${process.pid}`;
    writeFileSync(temp, script.createCachedData(), { mode: 0o600 });
    renameSync(temp, ownCache);
  } catch {
    // a read-only or full disk: the next start compiles again
  }
}

// V8 keeps a hash of its flags in a code cache, so a flag the code sets while it runs (the waypoint
// turns allocation-site pretenuring off: waypoint/server.ts) would make the cache written later
// useless to the next start: it is set here, before compiling, for every command (and by bundle.mjs
// for the shipped cache).
setFlagsFromString('--no-allocation-site-pretenuring');
const cache = readCache();
const script = new vm.Script(readFileSync(file, 'utf8'), {
  filename: file,
  cachedData: cache.data,
});
if (!cache.trained || script.cachedDataRejected !== false) setTimeout(() => writeCache(script), 3000).unref();
const bundleUrl = new URL('./bundle/main.cjs', import.meta.url);
const module = { exports: {} };
script.runInThisContext()(
  module,
  module.exports,
  createRequire(file),
  file,
  dirname(file),
  (path) => new URL(path, bundleUrl).href,
  (specifier) => import.meta.resolve(specifier),
  (specifier) => import(specifier),
);
