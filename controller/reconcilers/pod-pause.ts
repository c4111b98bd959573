// The node agent's pod watcher: pods on this node annotated `semamesh.io/action: PAUSE` are frozen
// and checkpointed through controller/pause and the evidence is recorded on their SemaIncident;
// a deleted paused pod is killed without ever running again. The annotation only says which
// incident to look at: the SemaIncident decides. A pod is frozen only for an open incident naming
// that very pod (name and uid), and thawed only once its incident is Approved — so someone who can
// merely patch pods can neither freeze (and memory-dump) a pod nor thaw a paused one.

import {
  CORE_KINDS,
  type K8sClient,
  type KindWatch,
  type KubeObject,
  watchSelected,
} from '../../kube/index.js';
import { errorText } from '../errors.js';
import type { CgroupOps, PauseAgent, PauseEvidence, QosClass } from '../pause/index.js';
import {
  ACTION_ANNOTATION,
  INCIDENT_ANNOTATION,
  type IncidentObject,
  incidentRef,
  POD_UID_ANNOTATION,
  phaseOf,
} from './incident-actions.js';

export interface PodPauseWatcherOptions {
  client: K8sClient;
  nodeName: string;
  agent: PauseAgent;
  /** Used to re-freeze a pod whose incident is already Paused (the node agent restarted). */
  cgroups: CgroupOps;
  log?: (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;
  /** Every pause/thaw/kill outcome, for tests and metrics. */
  onAction?: (
    action: 'paused' | 'thawed' | 'killed' | 'failed' | 'refused',
    pod: string,
    detail?: PauseEvidence,
  ) => void;
  /** How often held pods are checked against their incident (an approval may come without a pod event). Default 5 s. */
  recheckMs?: number;
}

interface PodState {
  namespace: string;
  name: string;
  incident?: string;
  frozen: string[];
}

interface PodSpecView {
  spec?: { containers?: { name: string }[] };
  status?: { qosClass?: QosClass; containerStatuses?: { containerID?: string }[] };
}

export class PodPauseWatcher {
  private watch: KindWatch | undefined;
  private readonly paused = new Map<string, PodState>();
  /** One operation at a time per pod: events for a pod queue behind its running pause. */
  private readonly chains = new Map<string, Promise<void>>();
  private recheck: NodeJS.Timeout | undefined;

  constructor(private readonly o: PodPauseWatcherOptions) {}

  async start(): Promise<void> {
    this.watch = await watchSelected(this.o.client, CORE_KINDS.Pod, {
      fieldSelector: `spec.nodeName=${this.o.nodeName}`,
      onAdd: (p) => this.observe(p),
      onUpdate: (p) => this.observe(p),
      onDelete: (p) => this.gone(p),
      onError: (err) => this.o.log?.('warn', 'pod watch failed', { err: err.message }),
    });
    this.recheck = setInterval(() => this.recheckHeld(), this.o.recheckMs ?? 5000);
    this.recheck.unref?.();
  }

  async stop(): Promise<void> {
    clearInterval(this.recheck);
    this.recheck = undefined;
    await this.watch?.stop();
    await Promise.all([...this.chains.values()]);
  }

  /** Pods this agent holds frozen (uid → cgroup paths). */
  frozen(): Map<string, string[]> {
    return new Map([...this.paused].map(([uid, s]) => [uid, s.frozen]));
  }

  /** Resolves when every queued pod operation has finished. */
  async settled(): Promise<void> {
    while (this.chains.size > 0) await Promise.all([...this.chains.values()]);
  }

  private enqueue(uid: string, op: () => Promise<void>): void {
    const prev = this.chains.get(uid) ?? Promise.resolve();
    const next = prev
      .then(op)
      .catch((err) => this.o.log?.('warn', 'pod pause operation failed', { uid, err: errorText(err) }))
      .finally(() => {
        if (this.chains.get(uid) === next) this.chains.delete(uid);
      });
    this.chains.set(uid, next);
  }

  private observe(pod: KubeObject): void {
    const uid = pod.metadata.uid ?? '';
    if (!uid) return;
    const wantPaused = pod.metadata.annotations?.[ACTION_ANNOTATION] === 'PAUSE';
    this.enqueue(uid, async () => {
      const held = this.paused.get(uid);
      if (wantPaused && !held) await this.pause(uid, pod);
      // The annotation going away is a hint, not an order: only an Approved incident thaws.
      else if (!wantPaused && held) await this.thawIfApproved(uid, held);
    });
  }

  /** Held pods whose incident was approved meanwhile thaw (an approval need not touch the pod). */
  private recheckHeld(): void {
    for (const uid of this.paused.keys()) {
      if (this.chains.has(uid)) continue;
      this.enqueue(uid, async () => {
        const still = this.paused.get(uid);
        if (still) await this.thawIfApproved(uid, still);
      });
    }
  }

  private async thawIfApproved(uid: string, held: PodState): Promise<void> {
    const incident = await this.incident(held.namespace, held.incident);
    if (incident && phaseOf(incident) === 'Approved') await this.thaw(uid, held);
  }

  private gone(pod: KubeObject): void {
    const uid = pod.metadata.uid ?? '';
    this.enqueue(uid, async () => {
      const held = this.paused.get(uid);
      if (!held) return;
      // Kill while frozen, then thaw: the agent never runs another instruction.
      await this.o.agent.terminate(held.frozen);
      this.paused.delete(uid);
      this.o.onAction?.('killed', `${held.namespace}/${held.name}`);
      this.o.log?.('info', 'paused pod deleted: processes killed', { pod: `${held.namespace}/${held.name}` });
    });
  }

  private async incident(namespace: string, name: string | undefined): Promise<IncidentObject | undefined> {
    if (!name) return undefined;
    return this.o.client.find<IncidentObject>(incidentRef(namespace, name));
  }

  private async pause(uid: string, pod: KubeObject): Promise<void> {
    const namespace = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name;
    const incidentName = pod.metadata.annotations?.[INCIDENT_ANNOTATION];
    const view = pod as KubeObject & PodSpecView;
    const incident = await this.incident(namespace, incidentName);
    // Freeze only for an incident about this very pod: an annotation alone (anyone with `patch
    // pods` can write one) never freezes or checkpoints anything.
    const about = incident as
      | (IncidentObject & { spec?: { agent?: { namespace?: string; pod?: string } } })
      | undefined;
    const forThisPod =
      about !== undefined &&
      about.spec?.agent?.pod === name &&
      (about.spec?.agent?.namespace ?? namespace) === namespace &&
      about.metadata.annotations?.[POD_UID_ANNOTATION] === uid;
    if (!forThisPod) {
      this.o.onAction?.('refused', `${namespace}/${name}`);
      this.o.log?.('warn', 'pause annotation without a matching SemaIncident: not freezing', {
        pod: `${namespace}/${name}`,
        incident: incidentName,
      });
      return;
    }
    const phase = phaseOf(about);
    // A stale annotation on a decided incident: the incident reconciler clears it; do not freeze.
    if (phase === 'Approved' || phase === 'Terminated') return;
    const qosClass = view.status?.qosClass;
    const containerIds = view.status?.containerStatuses
      ?.map((c) => c.containerID ?? '')
      .filter((id) => id !== '');
    const ids = containerIds && containerIds.length > 0 ? containerIds : undefined;
    if (phase === 'Paused') {
      // Restarted node agent: the evidence exists; freeze again and take the pod back.
      const cgroups = await this.o.cgroups.locate(uid, { qosClass, containerIds: ids });
      for (const c of cgroups)
        if (!(await this.o.cgroups.isFrozen(c.path))) await this.o.cgroups.freeze(c.path);
      this.paused.set(uid, { namespace, name, incident: incidentName, frozen: cgroups.map((c) => c.path) });
      return;
    }
    const evidence = await this.o.agent.pausePod({
      incidentId: incidentName ?? `pod-${uid}`,
      podUid: uid,
      namespace,
      pod: name,
      containers: (view.spec?.containers ?? []).map((c) => c.name),
      qosClass,
      containerIds: ids,
    });
    this.paused.set(uid, { namespace, name, incident: incidentName, frozen: evidence.frozen });
    this.o.onAction?.(evidence.phase === 'Paused' ? 'paused' : 'failed', `${namespace}/${name}`, evidence);
    this.o.log?.(evidence.phase === 'Paused' ? 'info' : 'warn', `pod ${evidence.phase.toLowerCase()}`, {
      pod: `${namespace}/${name}`,
      incident: incidentName,
      frozen: evidence.frozen.length,
      checkpoint: evidence.checkpoint,
      error: evidence.error,
    });
    if (!incidentName) return;
    // A human may have decided while the checkpoint ran: then the decision wins over the record.
    const now = await this.incident(namespace, incidentName);
    if (!now) return;
    const decided = phaseOf(now);
    if (decided === 'Approved' || decided === 'Terminated') return;
    const checkpoint = evidence.error
      ? { ...evidence.checkpoint, error: (evidence.checkpoint.error ?? evidence.error).slice(0, 4096) }
      : evidence.checkpoint;
    await this.o.client.patchStatus(
      incidentRef(namespace, incidentName),
      { phase: evidence.phase, checkpoint },
      { fieldManager: 'semamesh-node-agent' },
    );
  }

  private async thaw(uid: string, held: PodState): Promise<void> {
    await this.o.agent.approve(held.frozen);
    this.paused.delete(uid);
    this.o.onAction?.('thawed', `${held.namespace}/${held.name}`);
    this.o.log?.('info', 'pod thawed', { pod: `${held.namespace}/${held.name}`, incident: held.incident });
  }
}
