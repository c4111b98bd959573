// Coded errors of the waypoint: every refusal it sends a client carries one of these codes, rendered
// in the provider's error shape by providers/*.ts.

export type WaypointErrorCode =
  | 'SM_ERR_WAYPOINT_NO_POLICY'
  | 'SM_ERR_WAYPOINT_POLICY_ERROR'
  | 'SM_ERR_WAYPOINT_IDENTITY_UNKNOWN'
  | 'SM_ERR_WAYPOINT_POLICY_BLOCK'
  | 'SM_ERR_WAYPOINT_POLICY_PAUSE'
  | 'SM_ERR_WAYPOINT_THROTTLED'
  | 'SM_ERR_WAYPOINT_CLASSIFIER_UNAVAILABLE'
  | 'SM_ERR_WAYPOINT_BODY_INVALID'
  | 'SM_ERR_WAYPOINT_BODY_TOO_LARGE'
  | 'SM_ERR_WAYPOINT_CONTENT_TYPE'
  | 'SM_ERR_WAYPOINT_REQUEST_INVALID'
  | 'SM_ERR_WAYPOINT_NO_ROUTE'
  | 'SM_ERR_WAYPOINT_ROUTE_UNKNOWN'
  | 'SM_ERR_WAYPOINT_MISDIRECTED'
  | 'SM_ERR_WAYPOINT_ANALYSIS_BUDGET'
  | 'SM_ERR_WAYPOINT_ANALYSIS_FAILED'
  | 'SM_ERR_WAYPOINT_UPSTREAM'
  | 'SM_ERR_WAYPOINT_UPSTREAM_TIMEOUT'
  | 'SM_ERR_WAYPOINT_RESPONSE_TOO_LARGE'
  | 'SM_ERR_WAYPOINT_CONFIG'
  | 'SM_ERR_WAYPOINT_INTERNAL';

/** What kind of refusal this is; providers map it to their own error `type`. */
export type ErrorKind =
  | 'invalid_request'
  | 'permission'
  | 'rate_limit'
  | 'not_found'
  | 'too_large'
  | 'unsupported_media'
  | 'upstream'
  | 'unavailable'
  | 'internal';

export class WaypointError extends Error {
  readonly code: WaypointErrorCode;
  readonly status: number;
  readonly kind: ErrorKind;
  /** The policy rule that caused a refusal, named to the client so the agent's owner can find it. */
  readonly rule: string | undefined;
  /** Extra response headers (Retry-After, RateLimit-*). */
  readonly headers: Record<string, string>;

  constructor(
    code: WaypointErrorCode,
    status: number,
    kind: ErrorKind,
    message: string,
    options: { cause?: unknown; rule?: string; headers?: Record<string, string> } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'WaypointError';
    this.code = code;
    this.status = status;
    this.kind = kind;
    this.rule = options.rule;
    this.headers = options.headers ?? {};
  }
}

/** No policy bundle is loaded yet and the waypoint fails closed. */
export function noPolicy(): WaypointError {
  return new WaypointError(
    'SM_ERR_WAYPOINT_NO_POLICY',
    503,
    'unavailable',
    'semamesh waypoint: no policy is loaded yet; the request is refused (fail-closed)',
    { headers: { 'retry-after': '5' } },
  );
}

/** The engine threw or did not answer in time; the waypoint fails closed. */
export function policyError(message: string, cause?: unknown): WaypointError {
  return new WaypointError(
    'SM_ERR_WAYPOINT_POLICY_ERROR',
    503,
    'unavailable',
    `semamesh waypoint: the policy decision failed (${message}); the request is refused (fail-closed)`,
    { cause },
  );
}

/** A classifier rule with failMode closed got no verdict (error, timeout, bad reply). */
export function classifierUnavailable(rule: string, why: string): WaypointError {
  return new WaypointError(
    'SM_ERR_WAYPOINT_CLASSIFIER_UNAVAILABLE',
    503,
    'unavailable',
    `semamesh waypoint: the classifier gave no verdict (${why}); the request is refused (fail-closed)`,
    { rule, headers: { 'retry-after': '5' } },
  );
}

export function policyBlock(rule: string, message: string): WaypointError {
  return new WaypointError('SM_ERR_WAYPOINT_POLICY_BLOCK', 403, 'permission', message, { rule });
}

export function policyPause(rule: string, message: string): WaypointError {
  return new WaypointError('SM_ERR_WAYPOINT_POLICY_PAUSE', 403, 'permission', message, { rule });
}

export function throttled(rule: string, message: string, headers: Record<string, string>): WaypointError {
  return new WaypointError('SM_ERR_WAYPOINT_THROTTLED', 429, 'rate_limit', message, { rule, headers });
}

export function bodyInvalid(message: string, cause?: unknown): WaypointError {
  return new WaypointError('SM_ERR_WAYPOINT_BODY_INVALID', 400, 'invalid_request', message, { cause });
}

export function bodyTooLarge(limit: number): WaypointError {
  return new WaypointError(
    'SM_ERR_WAYPOINT_BODY_TOO_LARGE',
    413,
    'too_large',
    `request body exceeds the waypoint's limit of ${limit} bytes`,
  );
}

export function contentType(got: string | undefined): WaypointError {
  return new WaypointError(
    'SM_ERR_WAYPOINT_CONTENT_TYPE',
    415,
    'unsupported_media',
    `expected content-type application/json, got ${got ? JSON.stringify(got) : 'none'}`,
  );
}

export function requestInvalid(message: string): WaypointError {
  return new WaypointError('SM_ERR_WAYPOINT_REQUEST_INVALID', 400, 'invalid_request', message);
}

export function noRoute(what: string): WaypointError {
  return new WaypointError(
    'SM_ERR_WAYPOINT_NO_ROUTE',
    404,
    'not_found',
    `no upstream is configured for ${what}`,
  );
}

/** A route on a governed LLM host the waypoint does not understand: refused, never forwarded blind. */
export function routeUnknown(what: string): WaypointError {
  return new WaypointError(
    'SM_ERR_WAYPOINT_ROUTE_UNKNOWN',
    404,
    'not_found',
    `semamesh waypoint: ${what} is not an API route the waypoint can inspect; it is refused (deny by default, see the passthrough list in docs/filters.md)`,
  );
}

/** Transparent mode: the names the agent gave (SNI, Host) do not belong to the address it dialled. */
export function misdirected(why: string): WaypointError {
  return new WaypointError(
    'SM_ERR_WAYPOINT_MISDIRECTED',
    421,
    'invalid_request',
    `semamesh waypoint: misdirected request: ${why}; only the redirected destination can be reached`,
  );
}

/** The request's text would take longer to analyse than the documented budget allows. */
export function analysisBudget(chars: number, limit: number): WaypointError {
  return new WaypointError(
    'SM_ERR_WAYPOINT_ANALYSIS_BUDGET',
    413,
    'too_large',
    `semamesh waypoint: the request carries ${chars} characters of text to analyse, over the budget of ${limit}; it is refused rather than checked partially`,
  );
}

/** The analysis of a large request failed in its worker (error, crash, overrun): refused, never skipped. */
export function analysisFailed(reason: string): WaypointError {
  return new WaypointError(
    'SM_ERR_WAYPOINT_ANALYSIS_FAILED',
    503,
    'unavailable',
    `semamesh waypoint: the request's text could not be analysed (${reason}); it is refused rather than forwarded unchecked`,
  );
}

export function upstreamFailed(message: string, cause?: unknown): WaypointError {
  return new WaypointError(
    'SM_ERR_WAYPOINT_UPSTREAM',
    502,
    'upstream',
    `upstream request failed: ${message}`,
    {
      cause,
    },
  );
}

export function upstreamTimeout(message: string, cause?: unknown): WaypointError {
  return new WaypointError(
    'SM_ERR_WAYPOINT_UPSTREAM_TIMEOUT',
    504,
    'upstream',
    `upstream timed out: ${message}`,
    {
      cause,
    },
  );
}

export function responseTooLarge(limit: number): WaypointError {
  return new WaypointError(
    'SM_ERR_WAYPOINT_RESPONSE_TOO_LARGE',
    502,
    'upstream',
    `upstream response exceeds the inspection limit of ${limit} bytes and cannot be checked (fail-closed)`,
  );
}

export function configInvalid(message: string): WaypointError {
  return new WaypointError(
    'SM_ERR_WAYPOINT_CONFIG',
    500,
    'internal',
    `invalid waypoint configuration: ${message}`,
  );
}

/** A bug in the waypoint itself; the client still gets a coded, provider-shaped 500. */
export function internalError(cause: unknown): WaypointError {
  return new WaypointError(
    'SM_ERR_WAYPOINT_INTERNAL',
    500,
    'internal',
    `internal waypoint error: ${String(cause)}`,
    {
      cause,
    },
  );
}
