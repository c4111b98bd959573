// Local mode without a cluster: sync a Git URL into a directory holding the rendered SemaMesh
// objects and the compiled OPA bundle — what `semamesh up --source <git-url>[#ref] --path <dir>` runs.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { errorMessage, GitopsError } from './errors.js';
import { type RenderDiagnostic, type RenderedObject, renderDirectory } from './render/index.js';
import { type GitCredentials, type GitRefSpec, GitSourceCache } from './source/index.js';

export interface SyncLocalOptions {
  /** Repository URL; a `#ref` fragment (see parseSourceUrl) is honoured when `ref` is not given. */
  url: string;
  ref?: GitRefSpec;
  /** Directory inside the repository; default `.`. */
  path?: string;
  /** Output directory: `objects.yaml`, `bundle.tar.gz` and `revision` are written there. */
  dir: string;
  /** Where fetched repositories are cached; default `$XDG_CACHE_HOME/semamesh/git` (or ~/.cache). */
  cacheDir?: string;
  credentials?: GitCredentials;
  timeoutMs?: number;
  /** Namespace for objects that name none. Default `default`. */
  namespace?: string;
}

export interface SyncLocalResult {
  objects: RenderedObject[];
  revision: string;
  diagnostics: RenderDiagnostic[];
  /** False when the revision has errors: nothing was written and the previous output stays. */
  ok: boolean;
  /** Path of the written bundle when ok. */
  bundlePath?: string;
  /** False when the output already held this revision. */
  changed: boolean;
}

/**
 * `https://host/repo.git#main` (branch), `#v1.2.0` (tag when it looks like a version),
 * `#<40 hex>` (commit), or explicit `#branch=…`, `#tag=…`, `#semver=…`, `#commit=…`.
 */
export function parseSourceUrl(input: string): { url: string; ref?: GitRefSpec } {
  const i = input.indexOf('#');
  if (i < 0) return { url: input };
  const url = input.slice(0, i);
  const frag = decodeURIComponent(input.slice(i + 1));
  if (!frag) return { url };
  const m = /^(branch|tag|semver|commit)=(.+)$/.exec(frag);
  if (m) return { url, ref: { [m[1]]: m[2] } as GitRefSpec };
  if (/^[0-9a-f]{40}$/.test(frag)) return { url, ref: { commit: frag } };
  if (/^v?\d+\.\d+\.\d+/.test(frag)) return { url, ref: { tag: frag } };
  return { url, ref: { branch: frag } };
}

function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'semamesh', 'git');
}

/** Per output directory: the last revision written (with its path and namespace) and what it rendered to. */
const written = new Map<string, { key: string; result: SyncLocalResult }>();

export async function syncLocal(options: SyncLocalOptions): Promise<SyncLocalResult> {
  const parsed = parseSourceUrl(options.url);
  const cache = new GitSourceCache(options.cacheDir ?? defaultCacheDir());
  const fetched = await cache.fetch({
    url: parsed.url,
    ref: options.ref ?? parsed.ref,
    path: options.path,
    credentials: options.credentials,
    timeoutMs: options.timeoutMs,
  });
  const key = `${fetched.commit}\u0000${fetched.path}\u0000${options.namespace ?? 'default'}`;
  const last = written.get(options.dir);
  // Same commit, same output: nothing to validate, compile or write again.
  if (last?.key === key) return { ...last.result, changed: false };
  const rendered = await renderDirectory({
    root: fetched.dir,
    path: fetched.path,
    defaultNamespace: options.namespace ?? 'default',
    revision: fetched.revision,
    // Local mode has one tenant: the bundle governs every local agent.
    tenancy: 'single',
  });
  const base = { objects: rendered.objects, revision: fetched.revision, diagnostics: rendered.diagnostics };
  if (rendered.errors > 0 || !rendered.bundle) return { ...base, ok: false, changed: false };
  const bundlePath = join(options.dir, 'bundle.tar.gz');
  try {
    await mkdir(options.dir, { recursive: true });
    const docs = rendered.objects.map(
      ({ source, ...o }) => `# ${source.file}:${source.line}\n${stringify(o)}`,
    );
    // Each file is replaced atomically, the bundle last, so a reader never sees a half-written bundle.
    await replace(
      join(options.dir, 'objects.yaml'),
      `# revision ${fetched.revision}\n---\n${docs.join('---\n')}`,
    );
    await replace(join(options.dir, 'revision'), `${fetched.revision}\n${rendered.digest}\n`);
    await replace(bundlePath, rendered.bundle);
  } catch (err) {
    throw new GitopsError('SM_ERR_GITOPS_LOCAL_OUTPUT', `cannot write ${options.dir}: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  const result = { ...base, ok: true, bundlePath, changed: true };
  written.set(options.dir, { key, result });
  return result;
}

async function replace(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}
