// Public entry of bpf/: transparent interception of agent connections with eBPF, the cgroup helpers
// it shares with the pause flow, and an environment probe; the native addon is loaded lazily.
export { type AddonStatus, addonPath, addonStatus, objectPath } from './addon.js';
export {
  cgroup2Mount,
  cgroupExecArgv,
  cgroupId,
  cgroupPath,
  cgroupProcs,
  createCgroup,
  moveProcess,
  processCgroup,
  removeCgroup,
} from './cgroup.js';
export { type CheckResult, type DoctorReport, runDoctor } from './doctor.js';
export { BpfError, type BpfErrorCode } from './errors.js';
export { type ExecCgroups, type InterceptedProcess, prepareExecCgroups, spawnIntercepted } from './exec.js';
export {
  type AttachOptions,
  Interceptor,
  type InterceptorStats,
  type WaypointAddress,
} from './interceptor.js';
export type { Endpoint, OriginalDestination, PeerOrigin, Target } from './layout.js';
export {
  originalDestination,
  peerOrigin,
  SM_SO_PEER_ORIGIN,
  SO_ORIGINAL_DST,
  SOL_IP,
  SOL_IPV6,
  socketFd,
} from './sockopt.js';
export {
  DEFAULT_HOSTS,
  type HostTarget,
  type ResolvedAddress,
  type Resolver,
  systemResolver,
  TargetSet,
} from './targets.js';
