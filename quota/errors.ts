// Error codes of the quota component (budget engine, price table, stores) and the coded error class it throws.

/** Every code a QuotaError can carry; docs/errors.md lists each one. */
export const QUOTA_ERROR_CODES = {
  /** The SQLite quota database cannot be opened, created or migrated (path, permissions, corruption). */
  STORE_OPEN: 'SM_ERR_QUOTA_STORE_OPEN',
  /** A store operation failed (SQLite busy past the timeout, Redis unreachable or a script error). */
  STORE_IO: 'SM_ERR_QUOTA_STORE_IO',
  /** A SemaQuota object given to setQuotas is unusable (no name, a limit without window, a negative price). */
  INVALID_QUOTA: 'SM_ERR_QUOTA_INVALID',
  /** A reserve request is malformed (negative or non-integer token counts, missing agent or model). */
  INVALID_REQUEST: 'SM_ERR_QUOTA_INVALID_REQUEST',
  /** The engine was used after close(). */
  CLOSED: 'SM_ERR_QUOTA_CLOSED',
} as const;

export type QuotaErrorCode = (typeof QUOTA_ERROR_CODES)[keyof typeof QUOTA_ERROR_CODES];

export class QuotaError extends Error {
  readonly code: QuotaErrorCode;

  constructor(code: QuotaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'QuotaError';
    this.code = code;
  }
}
