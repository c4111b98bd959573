// Public entry of the pause machinery: cgroup freeze/thaw, the kubelet checkpoint client, local
// snapshots, the node agent's pause logic and local mode's incident store.
export {
  type CgroupDriver,
  type CgroupMounts,
  type CgroupVersion,
  type ContainerCgroup,
  cgroupPids,
  cgroupVersion,
  type FreezeOptions,
  findCgroupMounts,
  findPodCgroup,
  freeze,
  isFrozen,
  type KillOptions,
  killCgroup,
  type PodCgroupOptions,
  type PodCgroups,
  parseCgroupMounts,
  podCgroupPaths,
  type QosClass,
  removeCgroup,
  thaw,
} from './cgroup.js';
export {
  type CheckpointMethod,
  type CheckpointRecord,
  type CheckpointTarget,
  checkpointRecord,
  type KubeletClientOptions,
  kubeletCheckpoint,
} from './checkpoint.js';
export {
  approveIncident,
  type IncidentPhase,
  IncidentStore,
  type LocalIncident,
  type LocalIncidentAgent,
  listIncidents,
  type NewIncident,
  pauseLocalIncident,
  terminateIncident,
} from './incidents.js';
export {
  criuReason,
  localSnapshot,
  type SnapshotAttempt,
  type SnapshotMethod,
  type SnapshotOptions,
  type SnapshotRecord,
} from './local-snapshot.js';
export {
  type CgroupOps,
  type Checkpointer,
  type IncidentCheckpoint,
  type LocalPauseRequest,
  nodeCgroups,
  PauseAgent,
  type PauseEvidence,
  type PodPauseRequest,
  type Snapshotter,
  summarizeCheckpoints,
} from './pause-agent.js';
