// Loads paths given with `-b` the way opa does: a directory is a bundle root whose `.manifest`
// (revision, roots, metadata, rego_version, wasm) governs its files; a file is a bundle tarball.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from '../../engine/bundle/index.js';
import { loadPolicyFiles, type PolicyFiles } from '../../engine/loader.js';

/** A wasm module of a bundle and the entrypoints the manifest resolves through it (`opa build -t wasm`). */
export interface WasmResolverModule {
  /** `pkg/rule` paths, in the manifest's order. */
  entrypoints: string[];
  wasm: Uint8Array;
}

export interface LoadedBundles extends PolicyFiles {
  /** The manifest of each bundle, in the order given (`{revision: '', roots: ['']}` when absent). */
  manifests: Manifest[];
  /** The wasm modules the manifests name: their entrypoints are evaluated by the wasm, as opa does. */
  resolvers: WasmResolverModule[];
}

/** Groups a manifest's wasm entries by module file, reading each module once. */
function resolversOf(manifest: Manifest, read: (module: string) => Uint8Array): WasmResolverModule[] {
  const byModule = new Map<string, string[]>();
  for (const w of manifest.wasm ?? [])
    byModule.set(w.module, [...(byModule.get(w.module) ?? []), w.entrypoint]);
  return [...byModule].map(([module, entrypoints]) => ({ entrypoints, wasm: read(module) }));
}

const DEFAULT_MANIFEST: Manifest = { revision: '', roots: [''] };

/** A bundle directory: its `.manifest` is validated, wasm modules it names must exist, roots must hold. */
async function loadBundleDir(dir: string, ignore: string[]): Promise<LoadedBundles> {
  const { parseManifest, checkRoots } = await import('../../engine/bundle/index.js');
  const file = join(dir, '.manifest');
  const manifest = existsSync(file) ? parseManifest(readFileSync(file, 'utf8')) : DEFAULT_MANIFEST;
  for (const w of manifest.wasm ?? [])
    if (!existsSync(join(dir, w.module)))
      throw new Error(
        `bundle ${dir}: manifest references wasm module '${w.module}' but the module file does not exist`,
      );
  const files = loadPolicyFiles([dir], { ignore, bundle: true });
  try {
    checkRoots(manifest.roots, files.data, files.modules);
  } catch (err) {
    throw new Error(`bundle ${dir}: ${(err as Error).message.replace(/^invalid bundle manifest: /, '')}`);
  }
  const resolvers = resolversOf(manifest, (module) => readFileSync(join(dir, module)));
  return { ...files, manifests: [manifest], resolvers };
}

/**
 * A bundle tarball; the manifest's rego_version applies to its modules (opa's default is v1). Its
 * modules are named by their path in the bundle (`/authz/policy.rego`), as opa names them.
 */
async function loadBundleFile(path: string): Promise<LoadedBundles> {
  const { readBundle } = await import('../../engine/bundle/index.js');
  const bundle = readBundle(readFileSync(path));
  const regoVersion = bundle.manifest.rego_version === 0 ? (0 as const) : undefined;
  return {
    modules: bundle.modules.map((m) => ({ file: m.file, source: m.source, regoVersion })),
    data: bundle.data,
    manifests: [bundle.manifest],
    resolvers: resolversOf(bundle.manifest, (module) => {
      if (!bundle.wasm || (bundle.manifest.wasm?.[0]?.module ?? module) !== module)
        throw new Error(`${path}: bundle wasm module '${module}' cannot be read (one module per bundle)`);
      return bundle.wasm;
    }),
  };
}

/** Loads every path as a bundle; data of several bundles is merged (their roots keep them apart). */
export async function loadBundles(paths: string[], ignore: string[] = []): Promise<LoadedBundles> {
  const out: LoadedBundles = { modules: [], data: {}, manifests: [], resolvers: [] };
  for (const p of paths) {
    const one = statSync(p).isDirectory() ? await loadBundleDir(p, ignore) : await loadBundleFile(p);
    out.modules.push(...one.modules);
    Object.assign(out.data, one.data);
    out.manifests.push(...one.manifests);
    out.resolvers.push(...one.resolvers);
  }
  return out;
}
