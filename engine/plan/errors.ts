// Coded errors of the planner and the IR interpreter. User input never reaches these as thrown
// errors: the planner turns an internal failure into a diagnostic, and interpreter errors are
// evaluation results (conflicts) that tests and the interpreter conformance script inspect.

export type PlanErrorCode = 'SM_ERR_PLAN_INTERNAL' | 'SM_ERR_PLAN_EVAL';

/** A planner invariant broke: a bug in the compiler, never a user error. */
export class PlanInternalError extends Error {
  readonly code: PlanErrorCode = 'SM_ERR_PLAN_INTERNAL';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PlanInternalError';
  }
}

/**
 * An evaluation error raised by the IR interpreter, with OPA's error code (`eval_conflict_error`
 * for "var assignment conflict" / "object insert conflict", `eval_internal_error` otherwise).
 */
export class InterpError extends Error {
  readonly code: PlanErrorCode = 'SM_ERR_PLAN_EVAL';

  constructor(
    readonly opaCode: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'InterpError';
  }
}
