// Coded errors of the waypoint's TLS side (mesh CA, leaf minting, transparent listeners), each
// carrying the underlying failure as `cause`.

export type TlsErrorCode =
  | 'SM_ERR_TLS_CA_STORE'
  | 'SM_ERR_TLS_CA_INVALID'
  | 'SM_ERR_TLS_MINT'
  | 'SM_ERR_TLS_HOSTNAME'
  | 'SM_ERR_TLS_LISTEN';

export class TlsError extends Error {
  readonly code: TlsErrorCode;

  constructor(code: TlsErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'TlsError';
    this.code = code;
  }
}

/** Wraps a thrown value, keeping TlsErrors as they are and appending the system message otherwise. */
export function tlsError(code: TlsErrorCode, what: string, err?: unknown): TlsError {
  if (err instanceof TlsError) return err;
  if (err === undefined) return new TlsError(code, what);
  const detail = err instanceof Error ? err.message : String(err);
  return new TlsError(code, `${what}: ${detail}`, { cause: err });
}
