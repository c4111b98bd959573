// Public entry of the Kubernetes layer, SemaMesh's one door to the API server.
//
// The only code that imports @kubernetes/client-node: a typed client over discovery (get, list,
// create, server-side apply, patches, status), informers and selected watches, coded errors, Events
// and label selectors. It imports nothing of ours but `api/`; callers see plain JSON objects.
export { K8sClient, type KubeconfigSource, loadKubeConfig, plain, type ResourceInfo } from './client.js';
export { codeForStatus, isK8sError, isNotFound, K8sError, type K8sErrorCode, toK8sError } from './errors.js';
export { EventRecorder, type EventRecorderOptions, type EventType, type RecordedEvent } from './events.js';
export { type KindWatch, type WatchOptions, watchKind } from './informer.js';
export { type SelectedWatchOptions, watchSelected } from './selected-watch.js';
export {
  LABEL_KEY,
  LABEL_VALUE,
  LabelSelectorError,
  matchesLabels,
  parseLabelSelector,
  type Requirement as LabelSelectorRequirement,
} from './selectors.js';
export {
  type ApplyOptions,
  CORE_KINDS,
  describeRef,
  groupVersion,
  type KindRef,
  type KubeObject,
  type ListOptions,
  type ObjectMeta,
  type ObjectRef,
  refOf,
  SEMAMESH_KINDS,
  type SecretObject,
  secretValues,
} from './types.js';
