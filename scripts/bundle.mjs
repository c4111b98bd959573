#!/usr/bin/env node
// The last step of `npm run build`: bundles the compiled CLI (dist/cli/main.js and everything it
// imports, our modules and the pure-JS packages) with esbuild into one function expression,
// dist/cli/bundle/main.cjs, with a V8 code cache of it, and replaces the bin dist/cli/semamesh.js
// with scripts/bundle-loader.mjs, which compiles the bundle with that cache and runs it. Resolving,
// reading and compiling each module file on its own was most of the waypoint's start-up (issue 18);
// Node 20 has no compile cache for ES modules (module.enableCompileCache is Node 22+), vm.Script has
// one, hence CommonJS. Modules reached only by a dynamic import() stay lazy: esbuild wraps each in a
// function run at its first import.
// A tsc run rewrites dist/cli/semamesh.js with its own output (cli/semamesh.ts, which imports the
// unbundled dist/cli/main.js), so a bundle left from an older build is never the one that runs.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const outdir = join(dist, 'cli', 'bundle');
const bundle = join(outdir, 'main.cjs');
/**
 * Packages left to Node's own loader: native addons (found through their own paths at run time),
 * and large packages no server start-up loads (the Kubernetes client, Git, the browser driver,
 * tsx for running sources, js-tiktoken's rank modules that only the mock LLM reads). A static import
 * of one becomes require(), which loads an ES module too from Node 20.19 on.
 */
const external = [
  '*.node',
  'better-sqlite3',
  'better-sqlite3-napi',
  '@kubernetes/client-node',
  'isomorphic-git',
  'isomorphic-git/*',
  'playwright-core',
  'tsx',
  'tsx/*',
  'js-tiktoken',
  'js-tiktoken/*',
];
/**
 * A dynamic import() of one of those packages: code compiled by vm.Script has no module loader of
 * its own, so it calls the loader's import() instead (for a bare name the module is the same).
 */
const EXTERNAL_IMPORT =
  /\bimport\((?=\s*['"](?:better-sqlite3|@kubernetes\/client-node|isomorphic-git|playwright-core|tsx|js-tiktoken)[/'"])/g;

/**
 * Packages our modules require through createRequire at their first use, that a server start reaches
 * (a policy bundle's tar parser): bundled, still required at that first use, not read from
 * node_modules by Node's loader without a code cache. Other such requires keep the module's own.
 */
const LAZY_PACKAGES = ['tar/parse', 'tar/header', 'tar/pax'];
const OWN_REQUIRE = 'const require = createRequire(import.meta.url);';
const lazyPackage = new RegExp(`__ownRequire\\((?=['"](?:${LAZY_PACKAGES.join('|')})['"]\\))`, 'g');

/** A module's createRequire(import.meta.url) renamed, except in its calls that name LAZY_PACKAGES. */
function bundleLazyPackages(source) {
  if (!source.includes(OWN_REQUIRE) || !source.replaceAll('__ownRequire', '').match(/require\(['"]tar\//))
    return source;
  return source
    .replace(OWN_REQUIRE, 'const __ownRequire = createRequire(import.meta.url);')
    .replace(/\brequire(?=\(|\.resolve\b)/g, '__ownRequire')
    .replace(lazyPackage, 'require(');
}

/**
 * Our modules find their data files, workers and packages from their own location
 * (`new URL('./data/', import.meta.url)`, `createRequire(import.meta.url)`,
 * `import.meta.resolve('preact')`): inside the bundle each module's import.meta.url is the URL of its
 * file in dist/ (worked out from the bundle's own URL), so those files are read where tsc and
 * copy-assets put them, and import.meta.resolve is the loader's (the same for a package name).
 */
const ownLocation = {
  name: 'own-location',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(dist)) return undefined;
      const source = bundleLazyPackages(await readFile(args.path, 'utf8'));
      if (!source.includes('import.meta') && !source.match(EXTERNAL_IMPORT)) return undefined;
      const url = `__bundleUrl(${JSON.stringify(relative(outdir, args.path))})`;
      return {
        contents: source
          .replaceAll('import.meta.url', url)
          .replaceAll('import.meta.resolve(', '__bundleResolve(')
          .replace(EXTERNAL_IMPORT, '__bundleImport('),
        loader: 'js',
        resolveDir: dirname(args.path),
      };
    });
  },
};

/**
 * Node builtins a package requires at load time but uses only on a path a server never takes:
 * fastify's HTTPS and HTTP/2 servers, commander's executable subcommands, prom-client's push
 * gateway. Each is a proxy that requires the builtin at its first use (~15 ms of start-up CPU).
 */
const LAZY_BUILTINS = [
  { file: /\/node_modules\/fastify\/lib\/server\.js$/, ids: ['node:https', 'node:http2'] },
  { file: /\/node_modules\/commander\/lib\/command\.js$/, ids: ['node:child_process'] },
  { file: /\/node_modules\/prom-client\/lib\/pushgateway\.js$/, ids: ['https'] },
];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    for (const { file, ids } of LAZY_BUILTINS)
      b.onLoad({ filter: file }, async (args) => {
        let source = await readFile(args.path, 'utf8');
        for (const id of ids) {
          const call = `require('${id}')`;
          if (!source.includes(call)) throw new Error(`bundle.mjs: ${args.path} no longer has ${call}`);
          source = source.replace(call, `__lazyRequire('${id}')`);
        }
        return { contents: source, loader: 'js', resolveDir: dirname(args.path) };
      });
  },
};
const LAZY_REQUIRE =
  'const __lazyRequire = (id) => { let m; const load = () => (m ??= require(id)); return new Proxy({}, { get: (_, k) => load()[k], has: (_, k) => k in load() }); };';

/** The loader's name for a process's Node options (none: empty), in its cache files' names. */
const optionsTag = (options) =>
  options.trim() && `-${createHash('sha256').update(options.trim()).digest('hex').slice(0, 8)}`;

/** The NODE_OPTIONS values the manifests under `dir` give the CLI's containers. */
function manifestNodeOptions(dir) {
  const found = new Set();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.ya?ml$/.test(entry.name)) continue;
    const text = readFileSync(join(entry.parentPath ?? entry.path, entry.name), 'utf8');
    for (const m of text.matchAll(/name: NODE_OPTIONS\s*\n\s*value: ["']?([^"'\n]+)/g))
      found.add(m[1].trim());
  }
  return [...found].sort();
}

await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(dist, 'cli', 'main.js')],
  outfile: bundle,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20.19',
  external,
  plugins: [ownLocation, lazyBuiltins],
  // One function expression, called by the loader with CommonJS's parameters and the three above.
  // (The function body starts with LAZY_BUILTINS' helper.)
  banner: {
    js: `(function (module, exports, require, __filename, __dirname, __bundleUrl, __bundleResolve, __bundleImport) {\n"use strict";\n${LAZY_REQUIRE}`,
  },
  footer: { js: '})' },
  legalComments: 'linked',
  logLevel: 'warning',
});

// V8 keeps the bundle's source text on the heap, two bytes a character if any one is not ASCII
// (13 MB instead of 6.7): esbuild escapes strings, what is left is in regular expression literals
// and comments, where a \u escape means the same (not after a backslash, and a line separator would
// end a // comment: the build stops on either).
const built = await readFile(bundle, 'utf8');
if (/[\u2028\u2029]|\\[^\x00-\x7f]/.test(built))
  throw new Error('bundle.mjs: a line separator, or an escaped non-ASCII character, in the bundle');
const source = built.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
await writeFile(bundle, source);
// Any other import() of a module name would fail at run time, in the command that reaches it (the
// bundle's code has its strings in double quotes; JSDoc types in comments are in single quotes).
const stray = /\bimport\(\s*"[^"]+"\s*\)/.exec(source);
if (stray) throw new Error(`bundle.mjs: ${stray[0]} is left in the bundle: add it to EXTERNAL_IMPORT`);
// The build's own code caches, for the Node that builds (a container image's build and run stages
// use the same one), holding the modules `up` loads (scripts/bundle-cache.cjs; the loader writes a
// fuller one once the CLI has run for a few seconds). V8 refuses a cache made under other V8 flags,
// so one is made for no Node options and one for each NODE_OPTIONS our manifests set (deploy/). A
// command that fails there leaves a cache of the bundle's top-level code only, and says why.
for (const options of ['', ...manifestNodeOptions(join(root, 'deploy'))]) {
  const out = join(outdir, `main-${process.version}-${process.arch}${optionsTag(options)}.cache`);
  const make = (...command) =>
    spawnSync(process.execPath, [join(root, 'scripts', 'bundle-cache.cjs'), bundle, out, ...command], {
      env: { ...process.env, NODE_OPTIONS: options },
      encoding: 'utf8',
    });
  const trained = make('up', '--help');
  if (trained.status === 0) continue;
  console.warn(
    `bundle.mjs: \`up --help\` failed (${trained.stderr.trim()}): shipping the top-level code only`,
  );
  const plain = make();
  if (plain.status !== 0) throw new Error(`bundle.mjs: cannot make a code cache: ${plain.stderr}`);
}
const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
const loader = await readFile(join(root, 'scripts', 'bundle-loader.mjs'), 'utf8');
await writeFile(join(dist, 'cli', 'semamesh.js'), loader.replace('__BUILD__', hash), { mode: 0o755 });
console.log(`bundled the CLI into ${relative(root, bundle)} and pointed dist/cli/semamesh.js at it`);
