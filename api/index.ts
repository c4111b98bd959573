// Public entry of the SemaMesh API (semamesh.io/v1alpha1), the contract every component shares.
//
// Each kind is defined once as a TypeBox schema, from which come the TypeScript types, validation
// with YAML line:col diagnostics and the generated CRDs in deploy/crds (scripts/gen-crds.ts). This
// folder imports nothing else of SemaMesh's.
export type { Condition } from './common.js';
export {
  AgentSelector,
  CONDITION_STATUSES,
  Condition as ConditionSchema,
  NamespacedAgentSelector,
  ObjectMeta,
} from './common.js';
export {
  API_VERSION,
  CATEGORY,
  CLUSTER_KINDS,
  CONDITION_READY,
  GROUP,
  isClusterScoped,
  isKind,
  KIND_NAMES,
  KINDS,
  type Kind,
  type KindNames,
  PLURALS,
  VERSION,
} from './constants.js';
export {
  type CustomResourceDefinition,
  crdFileName,
  crdFiles,
  crdFor,
  crdYaml,
  type JSONSchemaProps,
} from './crd.js';
export {
  compareDiagnostics,
  type Diagnostic,
  type DiagnosticCode,
  formatDiagnostic,
  formatPath,
  type Issue,
  NOTE_IGNORED,
  type PathSegment,
  type Severity,
} from './diagnostics.js';
export { API_ERROR_CODES, ApiError, type ApiErrorCode } from './errors.js';
export { re2Problem } from './regex-check.js';
export { KIND_DEFINITIONS, type KindDefinition, type PrinterColumn } from './registry.js';
export { PATTERNS, parseDuration } from './schema-helpers.js';
export {
  CHECKPOINT_METHODS,
  Checkpoint,
  INCIDENT_ACTIONS,
  INCIDENT_PHASES,
  IncidentAgent,
  type IncidentPhase,
  SemaIncident,
  SemaIncidentSpec,
  SemaIncidentStatus,
} from './sema-incident.js';
export {
  CLASSIFIER_TRIGGERS,
  ClassifierRef,
  ENFORCEMENT_MODES,
  POLICY_ACTIONS,
  type PolicyAction,
  PolicyRule,
  RISK_LEVELS,
  type RiskLevel,
  SemaClusterPolicy,
  SemaClusterPolicySpec,
  SemaPolicy,
  SemaPolicySpec,
  SemaPolicyStatus,
  TextMatch,
  ToolMatch,
} from './sema-policy.js';
export {
  Artifact,
  GitRef,
  InventoryEntry,
  SemaPolicySource,
  SemaPolicySourceSpec,
  SemaPolicySourceStatus,
} from './sema-policy-source.js';
export {
  LOOP_ACTIONS,
  LoopDetection,
  ModelPrice,
  QUOTA_EXCEED_ACTIONS,
  QUOTA_WINDOWS,
  QuotaLimit,
  QuotaUsage,
  type QuotaWindow,
  SemaClusterQuota,
  SemaClusterQuotaSpec,
  SemaQuota,
  SemaQuotaSpec,
  SemaQuotaStatus,
  WINDOW_TYPES,
} from './sema-quota.js';
export { structuralProblems } from './structural.js';
export { type ValidatedDocument, type ValidationReport, validateDocuments } from './validate-documents.js';
export { type ValidateSummary, validatePaths } from './validate-paths.js';
export { type Classification, classify, validateObject, withDefaults } from './validator.js';
