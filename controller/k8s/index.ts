// Public entry of the Kubernetes layer: the only SemaMesh code that imports @kubernetes/client-node.
export { K8sClient, type KubeconfigSource, loadKubeConfig, plain, type ResourceInfo } from './client.js';
export { codeForStatus, isK8sError, isNotFound, K8sError, type K8sErrorCode, toK8sError } from './errors.js';
export { EventRecorder, type EventRecorderOptions, type EventType, type RecordedEvent } from './events.js';
export { type KindWatch, type WatchOptions, watchKind } from './informer.js';
export { type SelectedWatchOptions, watchSelected } from './selected-watch.js';
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
