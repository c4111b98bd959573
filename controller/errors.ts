// Coded errors of the controller: the bundle service and its poller, bundle signatures, the pause
// machinery (cgroup freeze, kubelet checkpoint, local snapshots) and the local incident store.

export type ControllerErrorCode =
  | 'SM_ERR_CONTROLLER_CONFIG'
  | 'SM_ERR_CONTROLLER_LISTEN'
  | 'SM_ERR_CONTROLLER_BUNDLE_NOT_FOUND'
  | 'SM_ERR_CONTROLLER_UNAUTHORIZED'
  | 'SM_ERR_CONTROLLER_FORBIDDEN'
  | 'SM_ERR_CONTROLLER_METHOD'
  | 'SM_ERR_CONTROLLER_BUNDLE_FETCH'
  | 'SM_ERR_CONTROLLER_BUNDLE_TOO_LARGE'
  | 'SM_ERR_CONTROLLER_BUNDLE_ROLLBACK'
  | 'SM_ERR_CONTROLLER_NOT_LEADER'
  | 'SM_ERR_CONTROLLER_INCIDENT_NOT_FOUND'
  | 'SM_ERR_CONTROLLER_INCIDENT_STATE'
  | 'SM_ERR_CONTROLLER_INCIDENT_STORE'
  | 'SM_ERR_BUNDLE_SIG_MISSING'
  | 'SM_ERR_BUNDLE_SIG_UNEXPECTED'
  | 'SM_ERR_BUNDLE_SIG_MALFORMED'
  | 'SM_ERR_BUNDLE_SIG_INVALID'
  | 'SM_ERR_BUNDLE_SIG_KEY'
  | 'SM_ERR_BUNDLE_SIG_SCOPE'
  | 'SM_ERR_BUNDLE_SIG_DIGEST'
  | 'SM_ERR_BUNDLE_SIG_UNSIGNED_FILE'
  | 'SM_ERR_BUNDLE_SIG_MISSING_FILE'
  | 'SM_ERR_PAUSE_NO_CGROUP'
  | 'SM_ERR_PAUSE_CGROUP_NOT_FOUND'
  | 'SM_ERR_PAUSE_CGROUP_GONE'
  | 'SM_ERR_PAUSE_FREEZE'
  | 'SM_ERR_PAUSE_FREEZE_TIMEOUT'
  | 'SM_ERR_PAUSE_THAW'
  | 'SM_ERR_PAUSE_REQUEST_INVALID'
  | 'SM_ERR_PAUSE_CHECKPOINT_GATE'
  | 'SM_ERR_PAUSE_CHECKPOINT_UNSUPPORTED'
  | 'SM_ERR_PAUSE_CHECKPOINT_TIMEOUT'
  | 'SM_ERR_PAUSE_CHECKPOINT_TLS'
  | 'SM_ERR_PAUSE_CHECKPOINT_FAILED'
  | 'SM_ERR_PAUSE_SNAPSHOT'
  | 'SM_ERR_PAUSE_KILL'
  // Reconcilers, leader election, the pause-flow wiring and kubectl sema (controller/reconcilers, leader, main).
  | 'SM_ERR_CONTROLLER_STALLED'
  | 'SM_ERR_CONTROLLER_WAITING'
  | 'SM_ERR_CONTROLLER_RECONCILE'
  | 'SM_ERR_CONTROLLER_COMPILE'
  | 'SM_ERR_CONTROLLER_LEASE'
  | 'SM_ERR_CONTROLLER_PAUSE_REPORT'
  | 'SM_ERR_CONTROLLER_SIGNING_KEY'
  | 'SM_ERR_CONTROLLER_KUBECTL';

export class ControllerError extends Error {
  readonly code: ControllerErrorCode;

  constructor(code: ControllerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ControllerError';
    this.code = code;
  }
}

/** True for a ControllerError with the given code (or any code when none is given). */
export function isControllerError(err: unknown, code?: ControllerErrorCode): err is ControllerError {
  return err instanceof ControllerError && (code === undefined || err.code === code);
}

/** Message of any thrown value, for records that must hold text (incident status, logs). */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === 'string' ? err : JSON.stringify(err);
}

export const configError = (message: string, cause?: unknown) =>
  new ControllerError('SM_ERR_CONTROLLER_CONFIG', message, { cause });

export const sigError = (code: ControllerErrorCode, message: string, cause?: unknown) =>
  new ControllerError(code, `bundle signature: ${message}`, { cause });

export const pauseError = (code: ControllerErrorCode, message: string, cause?: unknown) =>
  new ControllerError(code, message, { cause });
