// Public entry of GitOps: sync a policy repository into a cluster (startGitops, SourceReconciler) or
// into a local directory (syncLocal).
export {
  type ApplyOutcome,
  applyRevision,
  DIGEST_ANNOTATION,
  FIELD_MANAGER,
  SOURCE_LABEL,
} from './apply/index.js';
export { CONDITION_TYPES, type ConditionType, EVENT_REASONS, type Polarity, REASONS } from './conditions.js';
export { type Disposition, GitopsError, type GitopsErrorCode, isGitopsError } from './errors.js';
export { parseSourceUrl, type SyncLocalOptions, type SyncLocalResult, syncLocal } from './local.js';
export {
  type GitopsManager,
  type GitopsManagerOptions,
  startGitops,
  WEBHOOK_SECRET_ANNOTATION,
} from './manager.js';
export {
  FINALIZER,
  type ReconcileResult,
  type ReconcilerDeps,
  SourceReconciler,
  type SourceRef,
  type SyncBarrier,
  type SyncedObject,
  sourceIdOf,
} from './reconciler.js';
export {
  formatRenderDiagnostic,
  type RenderDiagnostic,
  type RenderedObject,
  renderDirectory,
} from './render/index.js';
export { SourceScheduler } from './scheduler.js';
export { type FetchedSource, type GitCredentials, type GitRefSpec, GitSourceCache } from './source/index.js';
export { signBody, startWebhookServer, verifySignature, type WebhookServer } from './webhook.js';
