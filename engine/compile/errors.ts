// Coded errors of the compile stage. Problems in user policies are diagnostics (OPA's rego_* codes),
// never exceptions; this code only marks a compiler bug caught at the stage boundary.

export type CompileErrorCode = 'SM_ERR_COMPILE_INTERNAL';

/** A compile stage failed on an invariant: reported as an internal-error diagnostic, with the cause. */
export class CompileInternalError extends Error {
  readonly code: CompileErrorCode = 'SM_ERR_COMPILE_INTERNAL';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CompileInternalError';
  }
}
