#!/usr/bin/env node
// The last step of `npm run build`: bundles the compiled CLI (dist/cli/main.js and everything it
// imports, our modules and the pure-JS packages) with esbuild into dist/cli/bundle/, split at each
// dynamic import() so a command loads only its own chunks, and replaces the bin
// dist/cli/semamesh.js with a loader of that bundle. Resolving, reading and compiling each module
// file on its own was most of the waypoint's start-up (issue 18); from the bundle it takes about two
// thirds of the CPU time to its first request (bench/startup.ts).
// A tsc run rewrites dist/cli/semamesh.js with its own output (cli/semamesh.ts, which imports the
// unbundled dist/cli/main.js), so a bundle left from an older build is never the one that runs.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
const outdir = join(dist, 'cli', 'bundle');
/**
 * Packages left to Node's own loader: native addons (found through their own paths at run time),
 * and large packages no server start-up loads (the Kubernetes client, Git, the browser driver,
 * tsx for running sources, js-tiktoken's rank modules that only the mock LLM reads).
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
 * Our modules find their data files, workers and packages from their own location
 * (`new URL('./data/', import.meta.url)`, `createRequire(import.meta.url)`): inside the bundle each
 * module's import.meta.url is replaced by the URL of its file in dist/, worked out from the chunk's
 * own URL, so those files are read where tsc and copy-assets put them.
 */
const ownLocation = {
  name: 'own-location',
  setup(b) {
    b.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(dist)) return undefined;
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const url = `new URL(${JSON.stringify(relative(outdir, args.path))}, import.meta.url).href`;
      return {
        contents: source.replaceAll('import.meta.url', url),
        loader: 'js',
        resolveDir: dirname(args.path),
      };
    });
  },
};

await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: join(dist, 'cli', 'main.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  chunkNames: 'chunk-[hash]',
  external,
  plugins: [ownLocation],
  // CommonJS packages inside an ES module bundle call require() for Node's builtins.
  banner: {
    js: "import { createRequire as __bundleRequire } from 'node:module'; const require = __bundleRequire(import.meta.url);",
  },
  legalComments: 'linked',
  logLevel: 'warning',
});
// Node 22+ keeps the compiled code of each chunk on disk (module.enableCompileCache, in the OS temp
// directory unless NODE_COMPILE_CACHE says otherwise), so later starts skip most compiling; Node 20
// has no such cache and the call is skipped.
await writeFile(
  join(dist, 'cli', 'semamesh.js'),
  `#!/usr/bin/env node
// The \`semamesh\` bin as \`npm run build\` writes it (scripts/bundle.mjs): loads the bundled CLI.
import module from 'node:module';

module.enableCompileCache?.();
await import('./bundle/main.js');
`,
  { mode: 0o755 },
);
console.log(`bundled the CLI into ${relative(root, outdir)}/ and pointed dist/cli/semamesh.js at it`);
