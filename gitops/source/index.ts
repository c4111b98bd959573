// Public entry of the Git source: fetch a policy repository at a ref into a cached local tree.
export {
  type FetchedSource,
  type FetchRequest,
  fetchError,
  type GitCredentials,
  GitSourceCache,
  normalizeRepoPath,
} from './git-source.js';
export { type GitRefSpec, type ResolvedRef, resolveRef, revisionOf, semverTags } from './resolve-ref.js';
