// Coded errors of bpf/: every failure of the interception layer (addon missing, load, attach, map,
// cgroup, bad target) surfaces as one of these, carrying the system error as `cause`.

export type BpfErrorCode =
  | 'SM_ERR_BPF_ADDON_UNAVAILABLE'
  | 'SM_ERR_BPF_OBJECT_MISSING'
  | 'SM_ERR_BPF_LOAD'
  | 'SM_ERR_BPF_ATTACH'
  | 'SM_ERR_BPF_MAP'
  | 'SM_ERR_BPF_PIN'
  | 'SM_ERR_BPF_CGROUP'
  | 'SM_ERR_BPF_TARGET_INVALID'
  | 'SM_ERR_BPF_RESOLVE'
  | 'SM_ERR_BPF_SOCKOPT'
  | 'SM_ERR_BPF_STATE';

export class BpfError extends Error {
  readonly code: BpfErrorCode;
  /** The errno name of the underlying failure (EPERM, ENOENT...) when there was one. */
  readonly errno: string | undefined;

  constructor(code: BpfErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'BpfError';
    this.code = code;
    this.errno = errnoName(options.cause);
  }
}

/** The `code` (EPERM...) of a Node system error or an addon error, if any. */
export function errnoName(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) return code;
  }
  return undefined;
}

/** Wraps a thrown value in a BpfError whose message ends with the system message. */
export function wrap(code: BpfErrorCode, what: string, err: unknown): BpfError {
  if (err instanceof BpfError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new BpfError(code, `${what}: ${detail}`, { cause: err });
}
