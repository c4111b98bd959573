// The policy a local waypoint serves (`semamesh up`, `semamesh waypoint --policies`), with its
// compiled bundle cached under the state directory: every start compiles the same YAML, and the
// compile, with the compiler's modules and the resource validators to load first, was most of the
// start-up. An entry is keyed by the bytes of the policy files and by the compiler's own files
// (dist/build-id from a build, else path, size and modification time of api/, engine/ and intent/;
// and those of the Rego library), so a hit needs none of those modules, and any change to a policy
// or to the compiler misses and compiles again.
// Only successful compiles are stored: a broken policy is always reported from a fresh compile.
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SemaClusterPolicy, SemaClusterQuota, SemaPolicy, SemaQuota } from '../../api/index.js';
import type { DecisionEngine } from '../../waypoint/index.js';
import { loadWasmEngine } from '../../waypoint/policy/wasm-engine.js';

export interface ServedPolicy {
  engine: DecisionEngine;
  /** The compiled OPA bundle (tar.gz) the engine runs. */
  bundle: Uint8Array;
  policies: (SemaPolicy | SemaClusterPolicy)[];
  quotas: (SemaQuota | SemaClusterQuota)[];
  /** Whether the bundle came from the cache (no compile). */
  cached: boolean;
}

/** Bumped when an entry's shape or the key's recipe changes. */
const FORMAT = 'semamesh-policy-cache-2';
/** Entries kept; older ones are removed after a store. */
const MAX_ENTRIES = 32;

interface Entry {
  format: string;
  bundle: string;
  policies: ServedPolicy['policies'];
  quotas: ServedPolicy['quotas'];
}

/**
 * Where entries live: $SEMAMESH_COMPILE_CACHE, or ~/.semamesh/compile-cache next to local mode's
 * other state; `SEMAMESH_COMPILE_CACHE=off` compiles every time.
 */
export function policyCacheDir(env = process.env): string | undefined {
  const dir = env.SEMAMESH_COMPILE_CACHE;
  if (dir === 'off') return undefined;
  return dir || join(homedir(), '.semamesh', 'compile-cache');
}

/** Validates and compiles the SemaPolicy/SemaQuota files under `paths`, or takes them from the cache. */
export async function loadServedPolicy(paths: string[], cacheDir = policyCacheDir()): Promise<ServedPolicy> {
  const key = cacheDir ? cacheKey(paths) : undefined;
  const file = key && cacheDir ? join(cacheDir, `${key}.json`) : undefined;
  const hit = file ? readEntry(file) : undefined;
  if (hit) {
    const bundle = Buffer.from(hit.bundle, 'base64');
    // An entry that no longer loads is compiled again (and replaced) rather than trusted.
    const engine = await loadWasmEngine(bundle).catch(() => undefined);
    if (engine) return { engine, bundle, policies: hit.policies, quotas: hit.quotas, cached: true };
  }
  const { loadLocalPolicy } = await import('./local-policy.js');
  const local = await loadLocalPolicy(paths);
  const bundle = local.compiled.bundle!;
  if (file && cacheDir)
    storeEntry(cacheDir, file, { bundle, policies: local.policies, quotas: local.quotas });
  return { engine: local.engine, bundle, policies: local.policies, quotas: local.quotas, cached: false };
}

/** The sample policy shipped with SemaMesh (found from source or dist/), used when no policies are given. */
export function samplePolicyPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'examples', 'sample-policy.yaml');
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error('examples/sample-policy.yaml not found next to the CLI');
    dir = up;
  }
}

/**
 * The entry's name, or undefined when a path cannot be read (the compile reports it). The files
 * are the ones api/validate-paths.ts reads: named files whatever their extension, `.yaml`/`.yml`
 * under directories (dot-names and node_modules/dist/build skipped, symbolic links not followed).
 */
function cacheKey(paths: string[]): string | undefined {
  const hash = createHash('sha256').update(FORMAT).update(compilerFingerprint());
  try {
    for (const p of paths) {
      const files: string[] = [];
      if (statSync(p).isDirectory()) policyFiles(p, files);
      else files.push(p);
      for (const f of files) hash.update(`\0${resolve(f)}\0`).update(readFileSync(f));
    }
  } catch {
    return undefined;
  }
  return hash.digest('hex').slice(0, 40);
}

const SKIP_DIRS = new Set(['node_modules', 'dist', 'build']);

function policyFiles(dir: string, out: string[]): void {
  const entries = readdirSync(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) policyFiles(path, out);
    } else if (e.isFile() && /\.ya?ml$/i.test(e.name)) out.push(path);
  }
}

let fingerprint: string | undefined;

/**
 * What the compile's output depends on besides the policy: the modules and data files of api/,
 * engine/ and intent/ where this CLI runs from, and the shipped Rego library (each of its files by
 * path, size and modification time). From dist/, the modules are named by dist/build-id (a hash of
 * their contents written by `npm run build`) — one read instead of statting ~450 files at every
 * start — unless this module is newer than that id (a `tsc` run without the asset step): then, as
 * when running from the sources, every file is stat'ed (path, size, modification time).
 */
function compilerFingerprint(): string {
  fingerprint ??= fingerprintOf(
    resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'),
    fileURLToPath(import.meta.url),
  );
  return fingerprint;
}

/** The fingerprint of the compiler under `codeRoot` (dist/ or the sources); `self` is this module's file. */
export function fingerprintOf(codeRoot: string, self: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.isFile()) {
        const s = statSync(path);
        hash.update(`${path}\0${s.size}\0${s.mtimeMs}\n`);
      }
    }
  };
  const buildId = readBuildId(codeRoot, self);
  if (buildId) hash.update(`build-id\0${codeRoot}\0${buildId}\n`);
  else
    for (const d of ['api', 'engine', 'intent']) if (existsSync(join(codeRoot, d))) walk(join(codeRoot, d));
  for (let dir = codeRoot; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'policies', 'semamesh', 'decision.rego'))) {
      walk(join(dir, 'policies'));
      break;
    }
    if (dirname(dir) === dir) break;
  }
  return hash.digest('hex');
}

/** dist/build-id's hash, if there is one written after this module was (see compilerFingerprint). */
function readBuildId(codeRoot: string, self: string): string | undefined {
  const file = join(codeRoot, 'build-id');
  try {
    if (statSync(file).mtimeMs < statSync(self).mtimeMs) return undefined;
    const id = readFileSync(file, 'utf8').trim();
    return /^[0-9a-f]{64}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A stored entry, only if this user wrote it: a file owned by someone else, or that others may
 * write, could carry a policy that is not the one on disk, so it is ignored (and compiled anew).
 */
function readEntry(file: string): Entry | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const s = fstatSync(fd);
    if ((process.getuid && s.uid !== process.getuid()) || (s.mode & 0o022) !== 0) return undefined;
    const entry = JSON.parse(readFileSync(fd, 'utf8')) as Entry;
    if (entry.format !== FORMAT || typeof entry.bundle !== 'string') return undefined;
    if (!Array.isArray(entry.policies) || !Array.isArray(entry.quotas)) return undefined;
    return entry;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** Writes an entry atomically (a reader never sees half of one); a cache that cannot be written is skipped. */
function storeEntry(
  dir: string,
  file: string,
  value: { bundle: Uint8Array; policies: Entry['policies']; quotas: Entry['quotas'] },
): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const entry: Entry = {
      format: FORMAT,
      bundle: Buffer.from(value.bundle).toString('base64'),
      policies: value.policies,
      quotas: value.quotas,
    };
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(entry), { mode: 0o600 });
    renameSync(tmp, file);
    prune(dir);
  } catch {
    // The cache only saves time: a read-only home or a full disk leaves the compile as it was.
  }
}

function prune(dir: string): void {
  const entries = readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .map((n) => ({ path: join(dir, n), mtime: statSync(join(dir, n)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  for (const e of entries.slice(MAX_ENTRIES)) unlinkSync(e.path);
}
