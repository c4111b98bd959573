// Makes the V8 code cache scripts/bundle.mjs ships next to the bundle, in a node process of its own
// (started with the Node options the cache is for: V8 refuses a cache made under other flags):
// compiles dist/cli/bundle/main.cjs as the loader does (scripts/bundle-loader.mjs), then, given a
// command line, runs the CLI with it so the modules that command loads are compiled too, and writes
// the cache as the process exits. `up --help` loads the local mode's and the waypoint's modules
// (engine, intent tables, fastify, undici, …) and only prints its help.
// Usage: node scripts/bundle-cache.cjs <bundle> <out> [command line…]
const { readFileSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname } = require('node:path');
const { pathToFileURL } = require('node:url');
const { setFlagsFromString } = require('node:v8');
const { Script } = require('node:vm');

const [bundle, out, ...command] = process.argv.slice(2);
setFlagsFromString('--no-allocation-site-pretenuring'); // as the loader does before it compiles
const script = new Script(readFileSync(bundle, 'utf8'), { filename: bundle });
process.on('exit', () => writeFileSync(out, script.createCachedData()));
if (command.length > 0) {
  process.argv = [process.execPath, bundle, ...command];
  const module = { exports: {} };
  script.runInThisContext()(
    module,
    module.exports,
    createRequire(bundle),
    bundle,
    dirname(bundle),
    (path) => new URL(path, pathToFileURL(bundle)).href,
    (specifier) => pathToFileURL(require.resolve(specifier)).href,
    (specifier) => import(specifier),
  );
}
