// Public entry of the controller for the CLI and other components: the controller and node agent
// processes, the reconcilers and pause-flow operations, leader election, and the pieces they build on.

export {
  isK8sError,
  K8sClient,
  K8sError,
  type KubeObject,
  loadKubeConfig,
  SEMAMESH_KINDS,
} from '../kube/index.js';
export * from './bundle-server/index.js';
export { ControllerError, type ControllerErrorCode, errorText, isControllerError } from './errors.js';
export { LeaderElector, type LeaderElectorOptions } from './leader/index.js';
export {
  type ControllerConfig,
  parseControllerArgs,
  type RunningController,
  runController,
  startController,
} from './main.js';
export {
  type NodeAgentConfig,
  parseNodeAgentArgs,
  type RunningNodeAgent,
  runNodeAgent,
  startNodeAgent,
} from './node-agent.js';
export {
  approveIncident as approveLocalIncident,
  IncidentStore,
  type LocalIncident,
  listIncidents as listLocalIncidents,
  nodeCgroups,
  PauseAgent,
  pauseLocalIncident,
  terminateIncident as terminateLocalIncident,
} from './pause/index.js';
export * from './reconcilers/index.js';
