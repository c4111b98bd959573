// `semamesh build -t wasm -e pkg/rule <paths...>`: compiles Rego files to an OPA bundle with a
// policy.wasm, like `opa build -t wasm` (entrypoint rules and their dependents live in the wasm only); `-b` reads bundle directories with their .manifest, and
// `--signing-key` signs the bundle in OPA's `.signatures.json` format.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Manifest } from '../../engine/bundle/index.js';
import type { Diagnostic } from '../../engine/index.js';
import { addData, loadPolicyFiles, type PolicyFiles, readDataFile } from '../../engine/loader.js';
import { loadBundles } from './bundle-input.js';
import { checkCapabilities, readCapabilities } from './capabilities.js';

export { loadPolicyFiles, readDataFile };

/** The engine is loaded on first use, so other subcommands start without compiling it. */
export const loadEngine = () => import('../../engine/index.js');

/** `file:row:col: code: message`, one per line, on stderr. */
export function printDiagnostics(diagnostics: Diagnostic[], format: (d: Diagnostic) => string): void {
  for (const d of diagnostics) console.error(format(d));
}

interface BuildOptions {
  target: string;
  entrypoint: string[];
  output: string;
  bundle?: boolean;
  ignore: string[];
  data?: string;
  revision?: string;
  v0Compatible?: boolean;
  signingKey?: string;
  signingAlg: string;
  claimsFile?: string;
  capabilities?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];
const collectList = (value: string, previous: string[]) => [...previous, ...value.split(',').filter(Boolean)];

/** `--signing-key`: like opa, a PEM file path or (for HMAC) the secret itself. */
async function signingKey(opts: BuildOptions) {
  const value = opts.signingKey as string;
  const material = existsSync(value) ? readFileSync(value, 'utf8') : value;
  if (opts.signingAlg === 'HS256') return { algorithm: 'HS256' as const, secret: material };
  if (opts.signingAlg === 'RS256') return { algorithm: 'RS256' as const, privateKey: material };
  throw new Error(`--signing-alg: unsupported signing algorithm ${opts.signingAlg} (HS256 or RS256)`);
}

async function sign(bytes: Uint8Array, opts: BuildOptions): Promise<Uint8Array> {
  const { signBundle } = await import('../../controller/bundle-server/signing.js');
  const claims = opts.claimsFile ? readDataFile(opts.claimsFile) : undefined;
  if (claims !== undefined && (typeof claims !== 'object' || claims === null || Array.isArray(claims)))
    throw new Error(`${opts.claimsFile}: the claims file must hold a JSON object`);
  return signBundle(bytes, await signingKey(opts), { claims: claims as Record<string, unknown> | undefined });
}

/** Loads the inputs: plain paths, or bundle directories/tarballs with `-b` (their first manifest). */
async function inputs(paths: string[], opts: BuildOptions): Promise<PolicyFiles & { manifest?: Manifest }> {
  if (!opts.bundle) return loadPolicyFiles(paths, { ignore: opts.ignore });
  const loaded = await loadBundles(paths, opts.ignore);
  return { ...loaded, manifest: loaded.manifests[0] };
}

export function registerBuild(program: Command): void {
  program
    .command('build')
    .description('compile Rego to an OPA bundle with a WebAssembly policy (like `opa build -t wasm`)')
    .argument('<paths...>', '.rego files, data.json/data.yaml files, or directories holding them')
    .option('-t, --target <target>', 'wasm (policy.wasm + sources) or rego (sources only)', 'wasm')
    .option('-e, --entrypoint <pkg/rule>', 'rule to expose, e.g. semamesh/decision (repeatable)', collect, [])
    .option('-o, --output <file>', 'bundle file to write', 'bundle.tar.gz')
    .option('-b, --bundle', 'load paths as bundle directories (their .manifest applies) or bundle files')
    .option(
      '--ignore <globs>',
      'file and directory names to leave out (repeatable, comma-separated)',
      collectList,
      [],
    )
    .option('--data <file>', 'extra data document (JSON or YAML) placed at the root of data')
    .option('-r, --revision <rev>', 'revision recorded in the bundle manifest (overrides a -b manifest)')
    .option('--v0-compatible', 'parse modules as Rego v0 (manifest rego_version 0)')
    .option('--signing-key <key>', 'sign the bundle: PEM private key file (RS256) or the secret (HS256)')
    .option('--signing-alg <alg>', 'signing algorithm: RS256 or HS256', 'RS256')
    .option('--claims-file <file>', 'JSON file of extra claims for the bundle signature')
    .option('--capabilities <file>', 'capabilities.json: the policy may call only the builtins it lists')
    .action(async (paths: string[], opts: BuildOptions) => {
      if (opts.target !== 'wasm' && opts.target !== 'rego')
        return fail(`unsupported target ${JSON.stringify(opts.target)}: wasm or rego`);
      if (opts.target === 'wasm' && opts.entrypoint.length === 0)
        return fail('at least one entrypoint is required (-e pkg/rule)');
      let files: Awaited<ReturnType<typeof inputs>>;
      let allowed: Set<string> | undefined;
      try {
        allowed = opts.capabilities === undefined ? undefined : readCapabilities(opts.capabilities);
        files = await inputs(paths, opts);
        if (opts.data) addData(files.data, [], readDataFile(opts.data), opts.data);
      } catch (err) {
        return fail((err as Error).message);
      }
      const m = files.manifest;
      const { buildBundle, formatDiagnostic } = await loadEngine();
      const regoVersion = opts.v0Compatible || m?.rego_version === 0 ? (0 as const) : undefined;
      const result = buildBundle({
        modules: files.modules,
        entrypoints: opts.entrypoint.map((e) => e.replace(/^data[./]/, '').replace(/\./g, '/')),
        target: opts.target as 'wasm' | 'rego',
        data: files.data,
        revision: opts.revision ?? m?.revision ?? '',
        roots: m?.roots,
        metadata: m?.metadata,
        regoVersion,
        prune: true,
      });
      if (allowed && result.modules) result.diagnostics.push(...checkCapabilities(result.modules, allowed));
      printDiagnostics(result.diagnostics, formatDiagnostic);
      if (!result.bundle || result.diagnostics.length > 0)
        return fail(result.diagnostics.length ? '' : 'compilation produced no bundle');
      let bytes = result.bundle;
      try {
        if (opts.signingKey !== undefined) bytes = await sign(bytes, opts);
      } catch (err) {
        return fail((err as Error).message);
      }
      writeFileSync(opts.output, bytes);
      const size = result.wasm ? ` (policy.wasm ${result.wasm.length} bytes)` : '';
      console.error(`wrote ${opts.output}${size} in ${Math.round(result.timings.total)} ms`);
    });
}

function fail(message: string): void {
  if (message) console.error(`semamesh build: ${message}`);
  process.exitCode = 1;
}
