// Raw access to the files of a bundle tarball, which the engine's reader hides: signing needs every
// file's exact bytes and must add `/.signatures.json` without disturbing anything else.
import { gunzipSync, gzipSync } from 'node:zlib';
import { Header, Parser, Pax, type ReadEntry } from 'tar';
import { sigError } from '../errors.js';

/** One regular file of a bundle; `name` has no leading `/` (OPA's name in signatures). */
export interface BundleFile {
  name: string;
  body: Buffer;
}

export interface BundleFileLimits {
  maxBytes?: number;
  maxEntries?: number;
}

export const SIGNATURES_NAME = '.signatures.json';
const MANIFEST_NAME = '.manifest';
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_ENTRIES = 10_000;
const BLOCK = 512;
const REGULAR = new Set(['File', 'OldFile', 'ContiguousFile']);

/** `./a`, `/a` and `a` name the same file; OPA compares names without the leading slash. */
export function fileName(entryPath: string): string {
  let name = entryPath;
  while (name.startsWith('./')) name = name.slice(2);
  return name.replace(/^\/+/, '');
}

/**
 * Lists the regular files in archive order. Bounded like the engine's reader; structural checks
 * beyond that (unsafe names, links) are left to `readBundle`, which always runs after this.
 */
export function readBundleFiles(bytes: Uint8Array, limits: BundleFileLimits = {}): BundleFile[] {
  let tar: Buffer;
  try {
    tar = gunzipSync(bytes, { maxOutputLength: limits.maxBytes ?? DEFAULT_MAX_BYTES });
  } catch (err) {
    throw sigError('SM_ERR_BUNDLE_SIG_MALFORMED', 'the bundle is not a readable gzip stream', err);
  }
  const maxEntries = limits.maxEntries ?? DEFAULT_MAX_ENTRIES;
  const files: BundleFile[] = [];
  let failure: unknown;
  let count = 0;
  const parser = new Parser({ strict: true });
  parser.on('entry', (e: ReadEntry) => {
    e.resume();
    if (failure || !REGULAR.has(e.type)) return;
    if (++count > maxEntries) {
      failure = new Error(`more than ${maxEntries} entries`);
      return;
    }
    const chunks: Buffer[] = [];
    const file: BundleFile = { name: fileName(e.path), body: Buffer.alloc(0) };
    files.push(file);
    e.on('data', (c: Buffer) => chunks.push(c));
    e.on('end', () => {
      file.body = Buffer.concat(chunks);
    });
  });
  parser.on('error', (err: unknown) => {
    failure ??= err;
  });
  parser.on('warn', (code: string, message: string | Error) => {
    failure ??= new Error(`${code}: ${message instanceof Error ? message.message : message}`);
  });
  parser.end(tar);
  if (failure)
    throw sigError('SM_ERR_BUNDLE_SIG_MALFORMED', 'the bundle is not a readable tar stream', failure);
  return files;
}

function tarEntry(name: string, body: Buffer): Buffer[] {
  const path = `/${name}`;
  const header = new Header({
    path,
    mode: 0o600,
    uid: 0,
    gid: 0,
    uname: '',
    gname: '',
    size: body.length,
    mtime: new Date(0),
    type: 'File',
  });
  const block = Buffer.alloc(BLOCK);
  header.encode(block, 0);
  const parts: Buffer[] = [];
  if (header.needPax) parts.push(new Pax({ path }).encode());
  parts.push(block, body);
  const pad = (BLOCK - (body.length % BLOCK)) % BLOCK;
  if (pad) parts.push(Buffer.alloc(pad));
  return parts;
}

/**
 * Packs files into a deterministic gzip'd tar (fixed mtimes and owners, as the engine's writer
 * does), keeping their order except that `.signatures.json` goes just before `.manifest`, where
 * `opa build` puts it.
 */
export function packBundleFiles(files: BundleFile[]): Uint8Array {
  const sig = files.filter((f) => f.name === SIGNATURES_NAME);
  const rest = files.filter((f) => f.name !== SIGNATURES_NAME);
  const at = rest.findIndex((f) => f.name === MANIFEST_NAME);
  const ordered = at < 0 ? [...rest, ...sig] : [...rest.slice(0, at), ...sig, ...rest.slice(at)];
  const parts: Buffer[] = [];
  for (const f of ordered) parts.push(...tarEntry(f.name, f.body));
  parts.push(Buffer.alloc(BLOCK * 2));
  return new Uint8Array(gzipSync(Buffer.concat(parts)));
}
