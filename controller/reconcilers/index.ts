// Public entry of the reconcilers: the framework, the policy-set compiler, the SemaIncident state
// machine, the node agent's pod watcher, the cluster PauseReporter and the manager wiring them.
export {
  CONDITION_TYPES,
  type Condition,
  type ConditionStatus,
  findCondition,
  REASONS,
  type Reason,
  removeCondition,
  setCondition,
} from './conditions.js';
export { decisionStep, type IncidentReconcilerOptions, incidentSteps, pendingStep } from './incident.js';
export {
  ACTION_ANNOTATION,
  approveIncident,
  clearPauseAnnotation,
  deleteIncidentPod,
  INCIDENT_ANNOTATION,
  INCIDENT_KIND,
  type IncidentObject,
  incidentPod,
  incidentRef,
  POD_UID_ANNOTATION,
  phaseOf,
  terminateIncident,
} from './incident-actions.js';
export { ControllerManager, type ControllerManagerOptions } from './manager.js';
export {
  ClusterPauseReporter,
  type ClusterPauseReporterOptions,
  type PauseReportInput,
  splitRule,
} from './pause-reporter.js';
export { PodPauseWatcher, type PodPauseWatcherOptions } from './pod-pause.js';
export { compiledStep } from './policy.js';
export {
  type CompileReport,
  contentRevision,
  diagnosticOwner,
  PolicySetCompiler,
  type PolicySetOptions,
  type ResourceOutcome,
} from './policy-set.js';
export {
  openReadOnlyBudgetView,
  QuotaUsageReporter,
  type QuotaUsageReporterOptions,
  type QuotaUsageTick,
  sameUsage,
} from './quota-usage.js';
export {
  keyOf,
  Patcher,
  parseKey,
  type QueueHandler,
  type ReadyResult,
  type ReconcileOutcome,
  reconcileObject,
  StallingError,
  type Step,
  type StepContext,
  type StepResult,
  WaitingError,
  WorkQueue,
  type WorkQueueOptions,
} from './runtime.js';
