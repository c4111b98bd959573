// Coded errors of the host builtins. They never leave a builtin call: the guard turns them into an
// undefined result, because OPA's wasm target has no strict mode for builtin errors.

export type BuiltinErrorCode = 'SM_ERR_BUILTIN_TYPE' | 'SM_ERR_BUILTIN_FAILED';

export class BuiltinError extends Error {
  readonly code: BuiltinErrorCode;

  constructor(code: BuiltinErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BuiltinError';
    this.code = code;
  }
}

/** An operand has the wrong type (OPA: eval_type_error). */
export function typeError(builtin: string, message: string): BuiltinError {
  return new BuiltinError('SM_ERR_BUILTIN_TYPE', `${builtin}: ${message}`);
}

/** The builtin cannot produce a value for these operands (OPA: eval_builtin_error). */
export function builtinFailed(builtin: string, message: string, cause?: unknown): BuiltinError {
  return new BuiltinError('SM_ERR_BUILTIN_FAILED', `${builtin}: ${message}`, { cause });
}
