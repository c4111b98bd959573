// Coded errors of the Kubernetes client layer: API server answers and transport failures mapped to
// a handful of codes callers can branch on (retry, give up, create instead of update).

export type K8sErrorCode =
  | 'SM_ERR_K8S_CONFIG'
  | 'SM_ERR_K8S_NOT_FOUND'
  | 'SM_ERR_K8S_CONFLICT'
  | 'SM_ERR_K8S_FORBIDDEN'
  | 'SM_ERR_K8S_INVALID'
  | 'SM_ERR_K8S_UNAVAILABLE'
  | 'SM_ERR_K8S_REQUEST';

export class K8sError extends Error {
  readonly code: K8sErrorCode;
  /** HTTP status of the API server's answer; 0 when none arrived (network, TLS, timeout). */
  readonly status: number;
  /** The server's `Status.reason` (`NotFound`, `AlreadyExists`, `Conflict`, …) when it sent one. */
  readonly reason?: string;

  constructor(
    code: K8sErrorCode,
    message: string,
    options: { cause?: unknown; status?: number; reason?: string } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'K8sError';
    this.code = code;
    this.status = options.status ?? 0;
    this.reason = options.reason;
  }

  /** Worth retrying later: the server or the network was unavailable, or a write raced another. */
  get retryable(): boolean {
    return this.code === 'SM_ERR_K8S_UNAVAILABLE' || this.code === 'SM_ERR_K8S_CONFLICT';
  }
}

/** A label selector that does not parse; the message reads like the API server's. */
export class LabelSelectorError extends Error {
  readonly code = 'SM_ERR_K8S_SELECTOR';
  constructor(message: string) {
    super(message);
    this.name = 'LabelSelectorError';
  }
}

export function isK8sError(err: unknown, code?: K8sErrorCode): err is K8sError {
  return err instanceof K8sError && (code === undefined || err.code === code);
}

export const isNotFound = (err: unknown): boolean => isK8sError(err, 'SM_ERR_K8S_NOT_FOUND');

interface ApiStatusBody {
  message?: string;
  reason?: string;
}

function parseBody(body: unknown): ApiStatusBody {
  if (body && typeof body === 'object') return body as ApiStatusBody;
  if (typeof body !== 'string' || body === '') return {};
  try {
    const parsed = JSON.parse(body) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as ApiStatusBody) : {};
  } catch {
    return { message: body.slice(0, 500) };
  }
}

/** The code an HTTP status maps to; 401 counts as Forbidden since both mean "fix the credentials or RBAC". */
export function codeForStatus(status: number): K8sErrorCode {
  if (status === 404 || status === 410) return 'SM_ERR_K8S_NOT_FOUND';
  if (status === 409) return 'SM_ERR_K8S_CONFLICT';
  if (status === 401 || status === 403) return 'SM_ERR_K8S_FORBIDDEN';
  if (status === 400 || status === 415 || status === 422) return 'SM_ERR_K8S_INVALID';
  if (status === 429 || status >= 500) return 'SM_ERR_K8S_UNAVAILABLE';
  return 'SM_ERR_K8S_REQUEST';
}

/**
 * Maps anything the client library throws (ApiException with `code` + `body`, fetch/network errors)
 * to a K8sError. `what` names the operation for the message (`get SemaPolicy team-a/p1`).
 */
export function toK8sError(err: unknown, what: string): K8sError {
  if (err instanceof K8sError) return err;
  const e = err as { code?: unknown; body?: unknown; message?: unknown } | null;
  if (e && typeof e.code === 'number' && e.code >= 100 && e.code < 600) {
    const body = parseBody(e.body);
    const detail = body.message ?? `HTTP ${e.code}`;
    return new K8sError(codeForStatus(e.code), `${what}: ${detail}`, {
      cause: err,
      status: e.code,
      reason: body.reason,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  // KubernetesObjectApi throws a plain Error when discovery does not list the kind.
  if (/Unrecognized API version and kind/.test(message))
    return new K8sError(
      'SM_ERR_K8S_NOT_FOUND',
      `${what}: the API server does not serve this kind (${message})`,
      {
        cause: err,
        status: 404,
      },
    );
  return new K8sError('SM_ERR_K8S_UNAVAILABLE', `${what}: API server unreachable: ${message}`, {
    cause: err,
  });
}
