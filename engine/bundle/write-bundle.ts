// Writes an OPA bundle (gzip'd tar) from memory. The output is deterministic — fixed mtimes and
// owners, a fixed entry order — so equal contents give equal bytes and bundle ETags stay stable.
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { bundleCorrupt } from '../errors.js';
import { encodeManifest, type Manifest } from './manifest.js';
import { bundlePath } from './paths.js';

export interface BundleModule {
  /** Path inside the bundle, e.g. `policies/decision.rego` (a leading `/` is added). */
  file: string;
  source: string;
}

export interface BundleContents {
  manifest: Manifest;
  /** The base document, written to `/data.json` (an object; `{}` when absent). */
  data?: Record<string, unknown>;
  modules?: BundleModule[];
  /** The compiled policy, written to `/policy.wasm`. */
  wasm?: Uint8Array;
}

export const WASM_PATH = '/policy.wasm';
export const DATA_PATH = '/data.json';
export const MANIFEST_PATH = '/.manifest';

/** Every entry gets this mtime: a bundle's bytes must depend on its content only. */
const FIXED_MTIME = new Date(0);
const BLOCK = 512;

// tar's header and PAX encoders are required by the first bundle written: the engine's run-time
// entry (a waypoint evaluating bundles) imports this module for its paths, and never writes one.
const require = createRequire(import.meta.url);
let tar: { Header: typeof import('tar').Header; Pax: typeof import('tar').Pax } | undefined;

function entry(path: string, body: Buffer): Buffer[] {
  tar ??= {
    Header: (require('tar/header') as typeof import('tar')).Header,
    Pax: (require('tar/pax') as typeof import('tar')).Pax,
  };
  const { Header, Pax } = tar;
  const parts: Buffer[] = [];
  const header = new Header({
    path,
    mode: 0o600,
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
    size: body.length,
    mtime: FIXED_MTIME,
    type: 'File',
  });
  const block = Buffer.alloc(BLOCK);
  header.encode(block, 0);
  // Paths longer than the ustar fields allow travel in a PAX extended header, which Go's reader honours.
  if (header.needPax) parts.push(new Pax({ path }).encode());
  parts.push(block, body);
  const pad = (BLOCK - (body.length % BLOCK)) % BLOCK;
  if (pad) parts.push(Buffer.alloc(pad));
  return parts;
}

/** Entry order follows `opa build`: data, modules (sorted by path), wasm, manifest last. */
export function writeBundle(contents: BundleContents): Uint8Array {
  const parts: Buffer[] = [];
  parts.push(...entry(DATA_PATH, Buffer.from(JSON.stringify(contents.data ?? {}))));
  const modules = (contents.modules ?? []).map((m) => ({ path: bundlePath(m.file), source: m.source }));
  modules.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const reserved = new Set([DATA_PATH, WASM_PATH, MANIFEST_PATH]);
  modules.forEach((m, i) => {
    if (reserved.has(m.path) || modules[i - 1]?.path === m.path)
      throw bundleCorrupt(`duplicate entry ${m.path}`);
  });
  for (const m of modules) parts.push(...entry(m.path, Buffer.from(m.source, 'utf8')));
  if (contents.wasm) parts.push(...entry(WASM_PATH, Buffer.from(contents.wasm)));
  parts.push(...entry(MANIFEST_PATH, Buffer.from(encodeManifest(contents.manifest), 'utf8')));
  parts.push(Buffer.alloc(BLOCK * 2));
  return new Uint8Array(gzipSync(Buffer.concat(parts)));
}
