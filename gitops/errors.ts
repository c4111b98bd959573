// Coded errors of the GitOps sync, each with the Flux-style disposition that decides what the
// reconciler does next: Stalling (needs a new commit or a spec change), Waiting (retry with backoff).

export type GitopsErrorCode =
  | 'SM_ERR_GITOPS_FETCH'
  | 'SM_ERR_GITOPS_AUTH'
  | 'SM_ERR_GITOPS_TIMEOUT'
  | 'SM_ERR_GITOPS_REF_NOT_FOUND'
  | 'SM_ERR_GITOPS_SEMVER'
  | 'SM_ERR_GITOPS_CHECKOUT'
  | 'SM_ERR_GITOPS_PATH'
  | 'SM_ERR_GITOPS_INVALID_CONTENT'
  | 'SM_ERR_GITOPS_SECRET'
  | 'SM_ERR_GITOPS_OWNERSHIP'
  | 'SM_ERR_GITOPS_APPLY'
  | 'SM_ERR_GITOPS_PRUNE'
  | 'SM_ERR_GITOPS_STATUS'
  | 'SM_ERR_GITOPS_WEBHOOK_SIGNATURE'
  | 'SM_ERR_GITOPS_WEBHOOK_SOURCE'
  | 'SM_ERR_GITOPS_LOCAL_OUTPUT'
  | 'SM_ERR_GITOPS_NAMESPACE'
  | 'SM_ERR_GITOPS_LIMIT'
  | 'SM_ERR_GITOPS_WEBHOOK_REPLAY';

/**
 * `stalling`: retrying cannot help until something changes (repo content, spec, a Secret), so the
 * source is Stalled and only the regular interval (or a webhook) looks again.
 * `waiting`: transient (network, API server); retried sooner with jittered exponential backoff.
 */
export type Disposition = 'stalling' | 'waiting';

const DISPOSITION: Record<GitopsErrorCode, Disposition> = {
  SM_ERR_GITOPS_FETCH: 'waiting',
  SM_ERR_GITOPS_AUTH: 'stalling',
  SM_ERR_GITOPS_TIMEOUT: 'waiting',
  SM_ERR_GITOPS_REF_NOT_FOUND: 'stalling',
  SM_ERR_GITOPS_SEMVER: 'stalling',
  SM_ERR_GITOPS_CHECKOUT: 'waiting',
  SM_ERR_GITOPS_PATH: 'stalling',
  SM_ERR_GITOPS_INVALID_CONTENT: 'stalling',
  SM_ERR_GITOPS_SECRET: 'stalling',
  SM_ERR_GITOPS_OWNERSHIP: 'stalling',
  SM_ERR_GITOPS_APPLY: 'waiting',
  SM_ERR_GITOPS_PRUNE: 'waiting',
  SM_ERR_GITOPS_STATUS: 'waiting',
  SM_ERR_GITOPS_WEBHOOK_SIGNATURE: 'stalling',
  SM_ERR_GITOPS_WEBHOOK_SOURCE: 'stalling',
  SM_ERR_GITOPS_LOCAL_OUTPUT: 'stalling',
  SM_ERR_GITOPS_NAMESPACE: 'stalling',
  SM_ERR_GITOPS_LIMIT: 'stalling',
  SM_ERR_GITOPS_WEBHOOK_REPLAY: 'stalling',
};

/**
 * Removes credentials embedded in URLs (`https://user:token@host/…`, `https://token@host/…`) from
 * any text. Every GitopsError message, and so every status condition, Event and log line made from
 * one, passes through here: a secret in `spec.url` never reaches them.
 */
export function redactUrlCredentials(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, '$1***@');
}

export class GitopsError extends Error {
  readonly code: GitopsErrorCode;
  readonly disposition: Disposition;
  /** The Ready condition's reason when this error ends a reconcile (CamelCase, from conditions.ts). */
  readonly reason?: string;

  constructor(
    code: GitopsErrorCode,
    message: string,
    options: { cause?: unknown; disposition?: Disposition; reason?: string } = {},
  ) {
    super(redactUrlCredentials(message), { cause: options.cause });
    this.name = 'GitopsError';
    this.code = code;
    this.disposition = options.disposition ?? DISPOSITION[code];
    this.reason = options.reason;
  }
}

export function isGitopsError(err: unknown, code?: GitopsErrorCode): err is GitopsError {
  return err instanceof GitopsError && (code === undefined || err.code === code);
}

export const gitopsError = (code: GitopsErrorCode, message: string, cause?: unknown) =>
  new GitopsError(code, message, { cause });

export function errorMessage(err: unknown): string {
  return redactUrlCredentials(err instanceof Error ? err.message : String(err));
}
