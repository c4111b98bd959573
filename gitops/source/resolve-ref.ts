// Picks the commit a GitRef means from the remote's advertised refs: a branch, a tag, the highest
// tag matching a semver range, a pinned commit, or the default branch — and names the revision the
// way Flux does (`main@sha1:<hex>`, `v1.2.0@sha1:<hex>`, `sha1:<hex>`).
import type { ServerRef } from 'isomorphic-git';
import semver from 'semver';
import { GitopsError } from '../errors.js';

export interface GitRefSpec {
  branch?: string;
  tag?: string;
  semver?: string;
  commit?: string;
}

export interface ResolvedRef {
  /** Full ref to fetch (`refs/heads/main`, `refs/tags/v1`); undefined for a commit no ref points at. */
  ref?: string;
  /** Commit the ref points at (annotated tags peeled); undefined when only a fetch can tell. */
  commit?: string;
  /** Revision prefix: `main@`, `v1.2.0@`, or `` for a pinned commit. */
  label: string;
}

export function revisionOf(label: string, commit: string): string {
  return `${label}sha1:${commit}`;
}

/** Tags that parse as semantic versions (an optional leading `v`), highest first. */
export function semverTags(refs: readonly ServerRef[]): { tag: string; version: string }[] {
  const out: { tag: string; version: string }[] = [];
  for (const r of refs) {
    if (!r.ref.startsWith('refs/tags/') || r.ref.endsWith('^{}')) continue;
    const tag = r.ref.slice('refs/tags/'.length);
    const version = semver.valid(tag.startsWith('v') ? tag.slice(1) : tag);
    if (version) out.push({ tag, version });
  }
  return out.sort((a, b) => semver.rcompare(a.version, b.version));
}

export function resolveRef(
  refs: readonly ServerRef[],
  want: GitRefSpec | undefined,
  url: string,
): ResolvedRef {
  const byName = new Map(refs.map((r) => [r.ref, r]));
  const commitOf = (r: ServerRef) => r.peeled ?? byName.get(`${r.ref}^{}`)?.oid ?? r.oid;
  const notFound = (what: string) =>
    new GitopsError('SM_ERR_GITOPS_REF_NOT_FOUND', `${what} not found in ${url}`, { reason: 'RefNotFound' });
  if (want?.commit) {
    const c = want.commit.toLowerCase();
    const at = refs.find(
      (r) => commitOf(r) === c && (r.ref.startsWith('refs/heads/') || r.ref.startsWith('refs/tags/')),
    );
    return { ref: at?.ref, commit: c, label: '' };
  }
  if (want?.tag) {
    const r = byName.get(`refs/tags/${want.tag}`);
    if (!r) throw notFound(`tag ${JSON.stringify(want.tag)}`);
    return { ref: r.ref, commit: commitOf(r), label: `${want.tag}@` };
  }
  if (want?.semver) {
    const range = semver.validRange(want.semver);
    if (!range)
      throw new GitopsError('SM_ERR_GITOPS_SEMVER', `invalid semver range ${JSON.stringify(want.semver)}`, {
        reason: 'InvalidRef',
      });
    const match = semverTags(refs).find((t) => semver.satisfies(t.version, range));
    if (!match) throw notFound(`no tag matching semver ${JSON.stringify(want.semver)} was`);
    const r = byName.get(`refs/tags/${match.tag}`) as ServerRef;
    return { ref: r.ref, commit: commitOf(r), label: `${match.tag}@` };
  }
  let branch = want?.branch;
  if (!branch) {
    const head = byName.get('HEAD');
    if (!head) throw notFound('a default branch (HEAD)');
    const target =
      head.target ?? refs.find((r) => r.ref.startsWith('refs/heads/') && r.oid === head.oid)?.ref;
    if (!target?.startsWith('refs/heads/')) throw notFound('a default branch (HEAD)');
    branch = target.slice('refs/heads/'.length);
  }
  const r = byName.get(`refs/heads/${branch}`);
  if (!r) throw notFound(`branch ${JSON.stringify(branch)}`);
  return { ref: r.ref, commit: r.oid, label: `${branch}@` };
}
