// The node agent's pause logic behind small interfaces: freeze every container cgroup of a pod,
// take a forensic copy of each container, and undo it on a human's decision (approve → thaw;
// terminate → kill without ever running the agent again). Local mode does the same for one cgroup.
import { errorText, isControllerError, pauseError } from '../errors.js';
import {
  type ContainerCgroup,
  cgroupPids,
  freeze,
  isFrozen,
  killCgroup,
  podCgroupPaths,
  type QosClass,
  thaw,
} from './cgroup.js';
import type { CheckpointMethod, CheckpointRecord, CheckpointTarget } from './checkpoint.js';
import { localSnapshot, type SnapshotRecord } from './local-snapshot.js';

export interface PodPauseRequest {
  incidentId: string;
  podUid: string;
  namespace: string;
  pod: string;
  /** Container names to checkpoint (the kubelet API is per container). */
  containers: string[];
  qosClass?: QosClass;
  /** `status.containerStatuses[].containerID`s to freeze; all of the pod's container cgroups when absent. */
  containerIds?: string[];
}

export interface LocalPauseRequest {
  incidentId: string;
  /** The cgroup `semamesh exec` put the agent's process tree in. */
  cgroup: string;
  /** Where the forensic copy goes. */
  snapshotDir: string;
}

/** What the freeze needs from the node; the default uses cgroup.ts on the real hierarchy. */
export interface CgroupOps {
  locate(
    podUid: string,
    options: { qosClass?: QosClass; containerIds?: string[] },
  ): Promise<ContainerCgroup[]>;
  freeze(path: string): Promise<void>;
  thaw(path: string): Promise<void>;
  isFrozen(path: string): Promise<boolean>;
  kill(path: string, remove: boolean): Promise<void>;
}

export interface Checkpointer {
  checkpoint(target: CheckpointTarget): Promise<CheckpointRecord>;
}

export interface Snapshotter {
  snapshot(options: { pids: number[]; dir: string; frozenCgroup: string }): Promise<SnapshotRecord>;
}

/** The incident-facing summary: SemaIncident `status.checkpoint`. */
export interface IncidentCheckpoint {
  method: CheckpointMethod;
  path?: string;
  error?: string;
}

export interface PauseEvidence {
  incidentId: string;
  /** Paused: everything froze; Failed: something did not (what did freeze stays frozen). */
  phase: 'Paused' | 'Failed';
  /** cgroup directories now frozen: approve/terminate act on these. */
  frozen: string[];
  /** One record per container (kubelet) or one for the process tree (local). */
  checkpoints: CheckpointRecord[];
  checkpoint: IncidentCheckpoint;
  error?: string;
  at: string;
}

/** The real node: cgroup2 (or v1 freezer) mount as `root`. */
export function nodeCgroups(root: string): CgroupOps {
  return {
    locate: (podUid, o) => podCgroupPaths(podUid, { root, ...o }),
    freeze: async (path) => {
      await freeze(path);
    },
    thaw: async (path) => {
      await thaw(path);
    },
    isFrozen: (path) => isFrozen(path),
    kill: (path, remove) => killCgroup(path, { remove }),
  };
}

/** Folds per-container records into the one `status.checkpoint` a SemaIncident has. */
export function summarizeCheckpoints(records: CheckpointRecord[]): IncidentCheckpoint {
  if (records.length === 0) return { method: 'none', error: 'no checkpoint was attempted' };
  const paths = records.filter((r) => r.path).map((r) => r.path as string);
  const errors = records
    .filter((r) => r.error)
    .map((r) => (r.container ? `${r.container}: ${r.error}` : (r.error as string)));
  const method = records.find((r) => r.path)?.method ?? records[0].method;
  const out: IncidentCheckpoint = { method };
  if (paths.length > 0) out.path = paths.join(', ');
  if (errors.length > 0) out.error = errors.join('; ').slice(0, 4096);
  return out;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

function validatePod(req: PodPauseRequest): void {
  const bad = (what: string) => pauseError('SM_ERR_PAUSE_REQUEST_INVALID', `pause request: ${what}`);
  if (!ID.test(req.incidentId ?? '')) throw bad('invalid incidentId');
  if (!req.podUid || !req.namespace || !req.pod) throw bad('podUid, namespace and pod are required');
  if (!Array.isArray(req.containers) || req.containers.length === 0)
    throw bad('containers must name at least one');
}

export class PauseAgent {
  constructor(
    private readonly cgroups: CgroupOps,
    private readonly checkpointer?: Checkpointer,
    private readonly snapshotter: Snapshotter = { snapshot: (o) => localSnapshot(o) },
  ) {}

  /** Freezes every container cgroup of the pod, then checkpoints each named container. */
  async pausePod(req: PodPauseRequest): Promise<PauseEvidence> {
    validatePod(req);
    const at = new Date().toISOString();
    let targets: ContainerCgroup[];
    try {
      targets = await this.cgroups.locate(req.podUid, {
        qosClass: req.qosClass,
        containerIds: req.containerIds,
      });
    } catch (err) {
      return this.failed(req.incidentId, [], [], err, at);
    }
    if (targets.length === 0) {
      const err = pauseError('SM_ERR_PAUSE_CGROUP_NOT_FOUND', `pod ${req.podUid} has no container cgroups`);
      return this.failed(req.incidentId, [], [], err, at);
    }
    const { frozen, error } = await this.freezeAll(targets.map((t) => t.path));
    const checkpoints: CheckpointRecord[] = [];
    for (const container of req.containers) {
      if (!this.checkpointer) {
        checkpoints.push({ method: 'none', error: 'no checkpoint client configured', container });
        continue;
      }
      checkpoints.push(
        await this.checkpointer
          .checkpoint({ namespace: req.namespace, pod: req.pod, container })
          .catch((err) => ({
            method: 'kubelet' as const,
            error: errorText(err),
            container,
          })),
      );
    }
    // The runtime's CRIU freezes and unfreezes the cgroup around its dump; make sure it ends frozen.
    const refreeze = await this.freezeAll(frozen);
    const firstError = error ?? refreeze.error;
    if (firstError) return this.failed(req.incidentId, frozen, checkpoints, firstError, at);
    return {
      incidentId: req.incidentId,
      phase: 'Paused',
      frozen,
      checkpoints,
      checkpoint: summarizeCheckpoints(checkpoints),
      at,
    };
  }

  /** Local mode: freezes the process tree's cgroup and copies it (CRIU, else gcore, else none). */
  async pauseLocal(req: LocalPauseRequest): Promise<PauseEvidence> {
    if (!ID.test(req.incidentId ?? ''))
      throw pauseError('SM_ERR_PAUSE_REQUEST_INVALID', 'pause request: invalid incidentId');
    const at = new Date().toISOString();
    const { frozen, error } = await this.freezeAll([req.cgroup]);
    if (error) return this.failed(req.incidentId, frozen, [], error, at);
    let record: SnapshotRecord;
    try {
      const pids = await cgroupPids(req.cgroup);
      record = await this.snapshotter.snapshot({ pids, dir: req.snapshotDir, frozenCgroup: req.cgroup });
    } catch (err) {
      // The snapshot window thaws the cgroup; if re-freezing failed, say so rather than report Paused.
      const frozenNow = await this.cgroups.isFrozen(req.cgroup).catch(() => false);
      return this.failed(req.incidentId, frozenNow ? frozen : [], [], err, at);
    }
    const checkpoints: CheckpointRecord[] = [record];
    const { method, path, error: why } = record;
    return {
      incidentId: req.incidentId,
      phase: 'Paused',
      frozen,
      checkpoints,
      checkpoint: { method, ...(path ? { path } : {}), ...(why ? { error: why } : {}) },
      at,
    };
  }

  /** Approve: thaw everything the pause froze. */
  async approve(frozen: string[]): Promise<void> {
    const errors: unknown[] = [];
    for (const path of frozen) await this.cgroups.thaw(path).catch((err) => errors.push(err));
    if (errors.length > 0) throw errors[0];
  }

  /**
   * Terminate: kill the processes while still frozen, then thaw so the kill lands (see killCgroup).
   * For pods the caller deletes the pod too (the kubelet would otherwise restart the containers);
   * `remove` deletes the cgroups, which local mode owns and the kubelet's pods do not.
   */
  async terminate(frozen: string[], options: { remove?: boolean } = {}): Promise<void> {
    const errors: unknown[] = [];
    for (const path of frozen)
      await this.cgroups.kill(path, options.remove ?? false).catch((err) => errors.push(err));
    if (errors.length > 0) throw errors[0];
  }

  private async freezeAll(paths: string[]): Promise<{ frozen: string[]; error?: unknown }> {
    const frozen: string[] = [];
    let error: unknown;
    // Freeze all containers before any slow step so the agent cannot act between them; a failure
    // on one leaves the others frozen (fail closed) and is reported.
    await Promise.all(
      paths.map(async (path) => {
        try {
          if (!(await this.cgroups.isFrozen(path).catch(() => false))) await this.cgroups.freeze(path);
          frozen.push(path);
        } catch (err) {
          error ??= err;
        }
      }),
    );
    frozen.sort();
    return { frozen, error };
  }

  private failed(
    incidentId: string,
    frozen: string[],
    checkpoints: CheckpointRecord[],
    err: unknown,
    at: string,
  ): PauseEvidence {
    const text = errorText(err);
    return {
      incidentId,
      phase: 'Failed',
      frozen,
      checkpoints,
      checkpoint:
        checkpoints.length > 0 ? summarizeCheckpoints(checkpoints) : { method: 'none', error: text },
      error: isControllerError(err) ? `${err.code}: ${text}` : text,
      at,
    };
  }
}
