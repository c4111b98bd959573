// Fetches a policy repository with isomorphic-git into a cache kept between runs: one ls-refs round
// trip when nothing changed, a shallow single-branch fetch when something did, and an export of the
// synced directory at the new commit. The cache follows the remote, force-pushes included.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import git, { type ServerRef } from 'isomorphic-git';
import { REASONS } from '../conditions.js';
import { errorMessage, GitopsError } from '../errors.js';
import { type HttpStats, httpClient } from './http.js';
import { PackTooLargeError } from './pack-guard.js';
import { type GitRefSpec, type ResolvedRef, resolveRef, revisionOf } from './resolve-ref.js';

export interface GitCredentials {
  username?: string;
  password?: string;
  /** Sent as `Authorization: Bearer`; otherwise a password (or token) goes as HTTP basic auth. */
  bearerToken?: string;
  /** PEM of a CA that signs the host's certificate (Secret key `ca.crt`), trusted besides the system roots. */
  caCert?: string;
}

export interface FetchRequest {
  url: string;
  ref?: GitRefSpec;
  /** Directory inside the repository to export; `.` (the default) is the whole tree. */
  path?: string;
  credentials?: GitCredentials;
  /** Deadline of the whole fetch (ls-refs, fetch, export); default 60 s. */
  timeoutMs?: number;
}

export interface FetchedSource {
  /** `main@sha1:<hex>`, `v1.2.0@sha1:<hex>` or `sha1:<hex>`. */
  revision: string;
  commit: string;
  /** Root of the exported tree; the synced directory is `join(dir, path)`. */
  dir: string;
  /** The requested path, normalized (`.` for the root). */
  path: string;
  /** False when the cache already held this commit (no fetch, no export). */
  changed: boolean;
  /** HTTP requests this fetch made (1 for a no-op resync). */
  requests: number;
}

/** Bounds of one exported tree; a repository past any of them is refused (SM_ERR_GITOPS_LIMIT). */
export interface CheckoutLimits {
  /** Files exported (default 10,000). */
  maxFiles?: number;
  /** Size of one file (default 1 MiB; a SemaPolicy is at most ~300 KB of Rego and rules). */
  maxBlobBytes?: number;
  /** Size of all files together (default 64 MiB). */
  maxTotalBytes?: number;
  /** Directory nesting below the synced path (default 32). */
  maxDepth?: number;
}

export const DEFAULT_CHECKOUT_LIMITS: Required<CheckoutLimits> = {
  maxFiles: 10_000,
  maxBlobBytes: 1024 * 1024,
  maxTotalBytes: 64 * 1024 * 1024,
  maxDepth: 32,
};

interface CacheState {
  url: string;
  commit: string;
  revision: string;
  path: string;
  dir: string;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/** `.`, `policies`, `a/b` — relative, no `..`; the schema checks this too, local mode does not. */
export function normalizeRepoPath(path: string | undefined): string {
  const p = posix.normalize((path ?? '.').replace(/\\/g, '/')).replace(/\/+$/, '') || '.';
  if (p.startsWith('/') || p === '..' || p.startsWith('../'))
    throw new GitopsError(
      'SM_ERR_GITOPS_PATH',
      `path ${JSON.stringify(path)} must be relative to the repository root`,
    );
  return p;
}

function authHeaders(c: GitCredentials | undefined): Record<string, string> {
  if (!c) return {};
  if (c.bearerToken) return { Authorization: `Bearer ${c.bearerToken}` };
  if (c.password !== undefined || c.username !== undefined) {
    // A token alone is sent with a placeholder user, which GitHub, GitLab and Gitea accept.
    const basic = Buffer.from(`${c.username || 'git'}:${c.password ?? ''}`).toString('base64');
    return { Authorization: `Basic ${basic}` };
  }
  return {};
}

/** Classifies what isomorphic-git or fetch threw. */
export function fetchError(err: unknown, url: string, signal: AbortSignal): GitopsError {
  if (err instanceof GitopsError) return err;
  const tooLarge = [err, (err as { cause?: unknown })?.cause].find((e) => e instanceof PackTooLargeError);
  if (tooLarge)
    return new GitopsError(
      'SM_ERR_GITOPS_LIMIT',
      `${url}: ${(tooLarge as Error).message}; refused before inflating it, nothing was applied`,
      { cause: err, reason: REASONS.LimitExceeded },
    );
  const e = err as { code?: string; name?: string; data?: { statusCode?: number; statusMessage?: string } };
  if (signal.aborted || e?.name === 'AbortError' || e?.name === 'TimeoutError')
    return new GitopsError('SM_ERR_GITOPS_TIMEOUT', `fetching ${url} timed out`, {
      cause: err,
      reason: 'GitOperationFailed',
    });
  const status = e?.data?.statusCode;
  if (e?.code === 'HttpError' && (status === 401 || status === 403))
    return new GitopsError(
      'SM_ERR_GITOPS_AUTH',
      `${url}: authentication failed (HTTP ${status}); check the secretRef credentials`,
      {
        cause: err,
        reason: 'AuthenticationFailed',
      },
    );
  if (e?.code === 'NotFoundError')
    return new GitopsError('SM_ERR_GITOPS_REF_NOT_FOUND', `${url}: ${errorMessage(err)}`, {
      cause: err,
      reason: 'RefNotFound',
    });
  const detail = status ? `HTTP ${status} ${e.data?.statusMessage ?? ''}`.trim() : causeText(err);
  return new GitopsError('SM_ERR_GITOPS_FETCH', `cannot fetch ${url}: ${detail}`, {
    cause: err,
    reason: 'GitOperationFailed',
  });
}

function causeText(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? errorMessage(err);
}

/**
 * One cache directory per repository URL under `workDir`. Calls for the same URL are serialized;
 * different URLs run in parallel.
 */
export class GitSourceCache {
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly objectCache: object = {};

  private readonly limits: Required<CheckoutLimits>;

  constructor(
    readonly workDir: string,
    limits: CheckoutLimits = {},
  ) {
    this.limits = { ...DEFAULT_CHECKOUT_LIMITS, ...limits };
  }

  /** Sources that differ in ref or path get their own cache so they never evict each other's export. */
  private keyDir(request: FetchRequest, path: string): string {
    const key = `${request.url}\u0000${JSON.stringify(request.ref ?? {})}\u0000${path}`;
    return join(this.workDir, createHash('sha256').update(key).digest('hex').slice(0, 16));
  }

  async fetch(request: FetchRequest): Promise<FetchedSource> {
    const dir = this.keyDir(request, normalizeRepoPath(request.path));
    const prev = this.locks.get(dir) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => this.fetchLocked(dir, request));
    this.locks.set(dir, next);
    try {
      return await next;
    } finally {
      if (this.locks.get(dir) === next) this.locks.delete(dir);
    }
  }

  private async fetchLocked(root: string, request: FetchRequest): Promise<FetchedSource> {
    const path = normalizeRepoPath(request.path);
    const signal = AbortSignal.timeout(request.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const stats: HttpStats = { requests: 0 };
    const http = httpClient(signal, stats, {
      caCert: request.credentials?.caCert,
      pack: { maxObjectBytes: this.limits.maxBlobBytes, maxPackBytes: this.limits.maxTotalBytes },
    });
    const headers = authHeaders(request.credentials);
    const { url } = request;
    let refs: ServerRef[];
    try {
      refs = await git.listServerRefs({
        http,
        url,
        headers,
        symrefs: true,
        peelTags: true,
        protocolVersion: 1,
      });
    } catch (err) {
      throw fetchError(err, url, signal);
    }
    const want = resolveRef(refs, request.ref, url);
    const state = await readState(root);
    if (
      state &&
      state.url === url &&
      state.path === path &&
      want.commit !== undefined &&
      state.commit === want.commit &&
      (await exists(state.dir))
    )
      return {
        revision: state.revision,
        commit: state.commit,
        dir: state.dir,
        path,
        changed: false,
        requests: stats.requests,
      };
    const gitdir = join(root, request.ref?.commit && !want.ref ? 'git-full' : 'git');
    let commit: string;
    try {
      commit = await this.fetchCommit(gitdir, url, want, request.ref, { http, headers });
    } catch (err) {
      throw fetchError(err, url, signal);
    }
    const revision = revisionOf(want.label, commit);
    const out = join(
      root,
      `tree-${commit.slice(0, 12)}-${createHash('sha256').update(path).digest('hex').slice(0, 8)}`,
    );
    try {
      if (!(await exists(out))) {
        const tmp = `${out}.tmp-${process.pid}-${Date.now()}`;
        await rm(tmp, { recursive: true, force: true });
        await mkdir(tmp, { recursive: true });
        await this.exportTree(gitdir, commit, path, tmp, url);
        await rename(tmp, out);
      }
    } catch (err) {
      if (err instanceof GitopsError) throw err;
      throw new GitopsError(
        'SM_ERR_GITOPS_CHECKOUT',
        `cannot read commit ${commit} of ${url}: ${errorMessage(err)}`,
        {
          cause: err,
          reason: 'GitOperationFailed',
        },
      );
    }
    if (signal.aborted) throw fetchError(signal.reason, url, signal);
    await writeState(root, { url, commit, revision, path, dir: out });
    await removeOldTrees(root, out);
    await dropIfFragmented(gitdir);
    return { revision, commit, dir: out, path, changed: true, requests: stats.requests };
  }

  private async fetchCommit(
    gitdir: string,
    url: string,
    want: ResolvedRef,
    ref: GitRefSpec | undefined,
    net: { http: ReturnType<typeof httpClient>; headers: Record<string, string> },
  ): Promise<string> {
    if (!(await exists(join(gitdir, 'HEAD')))) {
      await git.init({ fs, gitdir, bare: true, defaultBranch: 'main' });
      await git.addRemote({ fs, gitdir, remote: 'origin', url, force: true });
    }
    if (want.commit && (await this.hasCommit(gitdir, want.commit))) return want.commit;
    if (want.ref) {
      const result = await git.fetch({
        fs,
        ...net,
        gitdir,
        url,
        ref: want.ref,
        singleBranch: true,
        depth: 1,
        tags: false,
        cache: this.objectCache,
      });
      // The ref may have moved since ls-refs; what was fetched is the truth (annotated tags peeled).
      const head = result.fetchHead ?? want.commit;
      if (!head) throw new GitopsError('SM_ERR_GITOPS_REF_NOT_FOUND', `${want.ref} not found in ${url}`);
      const commit = ref?.commit ? (want.commit ?? head) : await this.peel(gitdir, head);
      if (ref?.commit && !(await this.hasCommit(gitdir, commit)))
        throw new GitopsError('SM_ERR_GITOPS_REF_NOT_FOUND', `commit ${commit} not found in ${url}`, {
          reason: 'RefNotFound',
        });
      return commit;
    }
    // A pinned commit no branch or tag points at: fetch the full history of every branch and look for it.
    await git.fetch({ fs, ...net, gitdir, url, singleBranch: false, tags: true, cache: this.objectCache });
    const commit = want.commit as string;
    if (!(await this.hasCommit(gitdir, commit)))
      throw new GitopsError('SM_ERR_GITOPS_REF_NOT_FOUND', `commit ${commit} not found in ${url}`, {
        reason: 'RefNotFound',
      });
    return commit;
  }

  private async hasCommit(gitdir: string, oid: string): Promise<boolean> {
    try {
      await git.readCommit({ fs, gitdir, oid, cache: this.objectCache });
      return true;
    } catch {
      return false;
    }
  }

  private async peel(gitdir: string, oid: string): Promise<string> {
    let current = oid;
    for (let i = 0; i < 8; i++) {
      const { type, object } = await git.readObject({ fs, gitdir, oid: current, cache: this.objectCache });
      if (type !== 'tag') return current;
      current = (object as { object: string }).object;
    }
    return current;
  }

  /** Writes the tree at `path` of `commit` under `out`, keeping repository-relative paths. */
  private async exportTree(
    gitdir: string,
    commit: string,
    path: string,
    out: string,
    url: string,
  ): Promise<void> {
    const cache = this.objectCache;
    const { commit: c } = await git.readCommit({ fs, gitdir, oid: commit, cache });
    let tree = c.tree;
    if (path !== '.') {
      for (const segment of path.split('/')) {
        const { tree: entries } = await git.readTree({ fs, gitdir, oid: tree, cache });
        const entry = entries.find((e) => e.path === segment && e.type === 'tree');
        if (!entry)
          throw new GitopsError(
            'SM_ERR_GITOPS_PATH',
            `path ${JSON.stringify(path)} does not exist in ${url} at ${commit}`,
            {
              reason: 'PathNotFound',
            },
          );
        tree = entry.oid;
      }
    }
    const limits = this.limits;
    const over = (what: string) =>
      new GitopsError('SM_ERR_GITOPS_LIMIT', `${url} at ${commit}: ${what}; nothing was applied`, {
        reason: REASONS.LimitExceeded,
      });
    // The walk stops at the first bound passed, so a tree built to expand (deep, or millions of
    // entries) costs no more than the bound.
    const files: { rel: string; oid: string }[] = [];
    const walk = async (oid: string, prefix: string, depth: number) => {
      if (depth > limits.maxDepth) throw over(`directories nest deeper than ${limits.maxDepth} levels`);
      const { tree: entries } = await git.readTree({ fs, gitdir, oid, cache });
      for (const e of entries) {
        const rel = prefix === '.' ? e.path : `${prefix}/${e.path}`;
        if (e.type === 'tree') await walk(e.oid, rel, depth + 1);
        else if (e.type === 'blob' && e.mode !== '120000') {
          files.push({ rel, oid: e.oid });
          if (files.length > limits.maxFiles) throw over(`more than ${limits.maxFiles} files`);
        }
      }
    };
    await walk(tree, path, 0);
    let total = 0;
    const dirs = new Set(files.map((f) => dirname(join(out, f.rel))));
    for (const d of dirs) await mkdir(d, { recursive: true });
    for (let i = 0; i < files.length; i += 64) {
      await Promise.all(
        files.slice(i, i + 64).map(async (f) => {
          const { blob } = await git.readBlob({ fs, gitdir, oid: f.oid, cache });
          if (blob.length > limits.maxBlobBytes)
            throw over(`${f.rel} has ${blob.length} bytes, more than ${limits.maxBlobBytes}`);
          total += blob.length;
          if (total > limits.maxTotalBytes)
            throw over(`the files hold more than ${limits.maxTotalBytes} bytes`);
          await writeFile(join(out, f.rel), blob);
        }),
      );
    }
  }
}

/** Packs a long-lived cache may pile up (one per fetch) before it is dropped and re-fetched shallow. */
const MAX_PACKS = 32;

/**
 * isomorphic-git has no gc: every fetch adds a pack. Once there are many, the object store is
 * deleted; the export and state survive, so the next change costs one fresh shallow fetch.
 */
async function dropIfFragmented(gitdir: string): Promise<void> {
  try {
    const packs = (await readdir(join(gitdir, 'objects', 'pack'))).filter((n) => n.endsWith('.pack'));
    if (packs.length > MAX_PACKS) await rm(gitdir, { recursive: true, force: true });
  } catch {
    // No pack directory yet: nothing to compact.
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function readState(root: string): Promise<CacheState | undefined> {
  try {
    return JSON.parse(await readFile(join(root, 'state.json'), 'utf8')) as CacheState;
  } catch {
    return undefined;
  }
}

async function writeState(root: string, state: CacheState): Promise<void> {
  const tmp = join(root, `state.json.tmp-${process.pid}`);
  await writeFile(tmp, JSON.stringify(state));
  await rename(tmp, join(root, 'state.json'));
}

/** Exports of older commits are dropped once a newer one is in place; the object store keeps history. */
async function removeOldTrees(root: string, keep: string): Promise<void> {
  for (const name of await readdir(root)) {
    const p = join(root, name);
    if (name.startsWith('tree-') && p !== keep) await rm(p, { recursive: true, force: true });
  }
}
