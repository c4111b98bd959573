// Reads an OPA bundle from untrusted bytes: bounded decompression, only regular files with safe
// names, a validated manifest, and data merged from every `data.json` by its directory.
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import type { Parser, ReadEntry } from 'tar';
import {
  bundleCorrupt,
  bundleTooLarge,
  dataInvalid,
  EngineError,
  entryType,
  missingEntry,
} from '../errors.js';
import { type Manifest, parseManifest } from './manifest.js';
import { bundlePath } from './paths.js';
import { type BundleModule, MANIFEST_PATH, WASM_PATH } from './write-bundle.js';

export interface ReadBundleLimits {
  /** Largest total uncompressed size (the tar stream). Default 64 MiB. */
  maxBytes?: number;
  /** Most entries. Default 10,000. */
  maxEntries?: number;
}

export interface Bundle {
  manifest: Manifest;
  data: Record<string, unknown>;
  modules: BundleModule[];
  /** The policy module: the manifest's first `wasm` entry, else `/policy.wasm`, if present. */
  wasm?: Uint8Array;
  /** Entrypoint names from the manifest, in order (their ids in the wasm module). */
  entrypoints: string[];
}

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_ENTRIES = 10_000;
const REGULAR = new Set(['File', 'OldFile', 'ContiguousFile']);

// yaml is required by the first YAML data file: bundles (ours among them) rarely hold one. tar's
// parser alone (not the whole package) is required by the first bundle read.
const require = createRequire(import.meta.url);
let TarParser: typeof Parser | undefined;
const parseYaml = (text: string): unknown => (require('yaml') as typeof import('yaml')).parse(text);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function gunzip(bytes: Uint8Array, maxBytes: number): Buffer {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) throw bundleCorrupt('not a gzip stream');
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (err) {
    if (err instanceof RangeError || (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
      throw bundleTooLarge('uncompressed size', maxBytes);
    throw bundleCorrupt('cannot decompress', err);
  }
}

/** Runs tar's parser synchronously over an in-memory tar stream and collects regular files. */
function untar(tar: Buffer, maxEntries: number): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let failure: unknown;
  let count = 0;
  TarParser ??= (require('tar/parse') as typeof import('tar')).Parser;
  const parser = new TarParser({ strict: true });
  parser.on('entry', (e: ReadEntry) => {
    e.resume();
    if (failure) return;
    try {
      if (++count > maxEntries) throw bundleTooLarge(`entry count (${maxEntries} entries)`, maxEntries);
      if (e.type === 'Directory') {
        bundlePath(e.path.replace(/\/+$/, ''));
        return;
      }
      if (!REGULAR.has(e.type)) throw entryType(e.path, e.type);
      const path = bundlePath(e.path);
      if (files.has(path)) throw bundleCorrupt(`duplicate entry ${path}`);
      const chunks: Buffer[] = [];
      e.on('data', (c: Buffer) => chunks.push(c));
      e.on('end', () => files.set(path, Buffer.concat(chunks)));
    } catch (err) {
      failure = err;
    }
  });
  parser.on('error', (err: unknown) => {
    failure ??= err;
  });
  parser.on('warn', (code: string, message: string | Error) => {
    failure ??= bundleCorrupt(`${code}: ${message instanceof Error ? message.message : message}`);
  });
  parser.end(tar);
  if (failure instanceof EngineError) throw failure;
  if (failure) throw bundleCorrupt('unreadable tar stream', failure);
  return files;
}

function parseDataFile(path: string, body: Buffer): unknown {
  try {
    const text = body.toString('utf8');
    return path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw dataInvalid(`${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}`, err);
  }
}

/** Plain assignment would let a `__proto__` key from untrusted JSON replace the prototype. */
function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** Merges `b` into `a`; only objects merge, any other overlap is a conflict (as in OPA). */
function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>, path: string): void {
  for (const [k, v] of Object.entries(b)) {
    const old = Object.hasOwn(a, k) ? a[k] : undefined;
    if (old === undefined) setOwn(a, k, v);
    else if (isRecord(old) && isRecord(v)) deepMerge(old, v, path);
    else throw dataInvalid(`${path}: key ${JSON.stringify(k)} conflicts with data from another file`);
  }
}

/** Places the content of a data file at its directory's path under `root`. */
function mergeAt(root: Record<string, unknown>, segments: string[], value: unknown, path: string): void {
  if (segments.length === 0) {
    if (!isRecord(value)) throw dataInvalid(`${path} must hold a JSON object`);
    deepMerge(root, value, path);
    return;
  }
  let node = root;
  for (const s of segments.slice(0, -1)) {
    const next = Object.hasOwn(node, s) ? node[s] : {};
    if (!isRecord(next)) throw dataInvalid(`${path} lies under a non-object value`);
    setOwn(node, s, next);
    node = next;
  }
  deepMerge(node, { [segments[segments.length - 1]]: value }, path);
}

const DATA_FILE = /(^|\/)data\.(json|ya?ml)$/;

export function readBundle(bytes: Uint8Array, limits: ReadBundleLimits = {}): Bundle {
  const files = untar(
    gunzip(bytes, limits.maxBytes ?? DEFAULT_MAX_BYTES),
    limits.maxEntries ?? DEFAULT_MAX_ENTRIES,
  );
  const manifestBody = files.get(MANIFEST_PATH);
  const manifest = manifestBody
    ? parseManifest(manifestBody.toString('utf8'))
    : { revision: '', roots: [''] };

  const data: Record<string, unknown> = {};
  const modules: BundleModule[] = [];
  for (const [path, body] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (DATA_FILE.test(path)) {
      const dir = path.slice(1).split('/').slice(0, -1);
      mergeAt(data, dir, parseDataFile(path, body), path);
    } else if (path.endsWith('.rego')) {
      modules.push({ file: path, source: body.toString('utf8') });
    }
  }

  for (const w of manifest.wasm ?? []) {
    if (!files.has(bundlePath(w.module))) throw missingEntry(w.module);
  }
  const wasmPath = manifest.wasm?.[0] ? bundlePath(manifest.wasm[0].module) : WASM_PATH;
  const wasmBody = files.get(wasmPath);
  return {
    manifest,
    data,
    modules,
    wasm: wasmBody ? new Uint8Array(wasmBody) : undefined,
    entrypoints: (manifest.wasm ?? []).map((w) => w.entrypoint),
  };
}
