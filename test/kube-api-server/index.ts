// Public entry of the test Kubernetes API server: start it, read its store, build clients from its kubeconfig.
export { expectStatus, Inbox } from './client-assert.js';
export { KubeApiServerError } from './errors.js';
export type { ObjectStore, StoredEvent } from './object-store.js';
export type { KubeObject, ResourceType } from './resource-types.js';
export {
  type KubeApiServer,
  type KubeApiServerOptions,
  type RecordedRequest,
  startKubeApiServer,
} from './server.js';
export { ApiError, type Status } from './status.js';
