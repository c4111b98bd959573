// Error codes of the console's HTTP API (authentication, authorisation, bad requests, backend failures).

/** Every code the console answers with; docs/errors.md lists each one. */
export const CONSOLE_ERROR_CODES = {
  /** No bearer token, or one the cluster (TokenReview) or the local run does not accept. */
  UNAUTHENTICATED: 'SM_ERR_CONSOLE_UNAUTHENTICATED',
  /** The user is known but RBAC (SubjectAccessReview) does not allow this view or action. */
  FORBIDDEN: 'SM_ERR_CONSOLE_FORBIDDEN',
  /** A request the console does not understand (bad JSON, unknown action, too large). */
  BAD_REQUEST: 'SM_ERR_CONSOLE_BAD_REQUEST',
  /** The incident does not exist. */
  NOT_FOUND: 'SM_ERR_CONSOLE_NOT_FOUND',
  /** The incident is already decided (approve after terminate, …). */
  CONFLICT: 'SM_ERR_CONSOLE_CONFLICT',
  /** The backend (API server, incident store) failed; the message says how. */
  BACKEND: 'SM_ERR_CONSOLE_BACKEND',
} as const;

export type ConsoleErrorCode = (typeof CONSOLE_ERROR_CODES)[keyof typeof CONSOLE_ERROR_CODES];

export class ConsoleError extends Error {
  readonly code: ConsoleErrorCode;
  readonly status: number;

  constructor(code: ConsoleErrorCode, status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConsoleError';
    this.code = code;
    this.status = status;
  }
}
