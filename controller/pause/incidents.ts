// Local mode's incident store (a JSON file) and the operations behind `semamesh incidents`,
// `semamesh approve <id>` and `semamesh terminate <id>`: the cluster keeps the same record as a
// SemaIncident resource, so phases and fields follow api/sema-incident.ts.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ControllerError, errorText } from '../errors.js';
import type { CheckpointRecord } from './checkpoint.js';
import type { IncidentCheckpoint, PauseAgent } from './pause-agent.js';

export type IncidentPhase = 'Pending' | 'Paused' | 'Approved' | 'Terminated' | 'Failed';

export interface LocalIncidentAgent {
  /** The cgroup of the agent's process tree. */
  cgroup: string;
  pid?: number;
  command?: string;
  namespace?: string;
  pod?: string;
}

export interface NewIncident {
  id?: string;
  agent: LocalIncidentAgent;
  policy: string;
  rule: string;
  /** From the rule's message and matched intents; never prompt text. */
  reason: string;
  action: 'PAUSE' | 'BLOCK';
  detectedAt?: string;
  requestDigest?: string;
}

export interface LocalIncident
  extends Required<Pick<NewIncident, 'id' | 'agent' | 'policy' | 'rule' | 'reason'>> {
  action: 'PAUSE' | 'BLOCK';
  detectedAt: string;
  requestDigest?: string;
  phase: IncidentPhase;
  /** The cgroups the pause froze; approve thaws them, terminate kills them. */
  cgroups: string[];
  checkpoint?: IncidentCheckpoint;
  checkpoints?: CheckpointRecord[];
  error?: string;
  decidedBy?: string;
  decidedAt?: string;
  updatedAt: string;
}

interface StoreFile {
  version: 1;
  incidents: LocalIncident[];
}

const storeError = (message: string, cause?: unknown) =>
  new ControllerError('SM_ERR_CONTROLLER_INCIDENT_STORE', message, { cause });

const LOCK_STALE_MS = 30_000;

/**
 * One JSON file, rewritten atomically (temp file + rename) under a lock file so the CLI and the
 * local daemon can both change it without losing updates.
 */
export class IncidentStore {
  constructor(readonly file: string) {}

  async list(filter: { phase?: IncidentPhase } = {}): Promise<LocalIncident[]> {
    const all = (await this.read()).incidents;
    return filter.phase ? all.filter((i) => i.phase === filter.phase) : all;
  }

  async get(id: string): Promise<LocalIncident> {
    const found = (await this.read()).incidents.find((i) => i.id === id);
    if (!found)
      throw new ControllerError('SM_ERR_CONTROLLER_INCIDENT_NOT_FOUND', `no incident ${JSON.stringify(id)}`);
    return found;
  }

  async create(spec: NewIncident): Promise<LocalIncident> {
    const now = new Date().toISOString();
    const incident: LocalIncident = {
      id: spec.id ?? `inc-${now.replace(/[-:TZ.]/g, '').slice(0, 14)}-${randomBytes(3).toString('hex')}`,
      agent: spec.agent,
      policy: spec.policy,
      rule: spec.rule,
      reason: spec.reason.slice(0, 1024),
      action: spec.action,
      detectedAt: spec.detectedAt ?? now,
      ...(spec.requestDigest ? { requestDigest: spec.requestDigest } : {}),
      phase: 'Pending',
      cgroups: [],
      updatedAt: now,
    };
    await this.mutate((doc) => {
      if (doc.incidents.some((i) => i.id === incident.id))
        throw new ControllerError(
          'SM_ERR_CONTROLLER_INCIDENT_STATE',
          `incident ${incident.id} already exists`,
        );
      doc.incidents.push(incident);
    });
    return incident;
  }

  /** Applies `change` to one incident under the lock and returns the stored result. */
  async update(id: string, change: (incident: LocalIncident) => void): Promise<LocalIncident> {
    let out: LocalIncident | undefined;
    await this.mutate((doc) => {
      const found = doc.incidents.find((i) => i.id === id);
      if (!found)
        throw new ControllerError(
          'SM_ERR_CONTROLLER_INCIDENT_NOT_FOUND',
          `no incident ${JSON.stringify(id)}`,
        );
      change(found);
      found.updatedAt = new Date().toISOString();
      out = found;
    });
    return out as LocalIncident;
  }

  private async read(): Promise<StoreFile> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, incidents: [] };
      throw storeError(`cannot read ${this.file}: ${errorText(err)}`, err);
    }
    try {
      const doc = JSON.parse(text) as StoreFile;
      if (doc?.version !== 1 || !Array.isArray(doc.incidents)) throw new Error('unexpected shape');
      return doc;
    } catch (err) {
      throw storeError(`${this.file} is not an incident store: ${errorText(err)}`, err);
    }
  }

  private async mutate(change: (doc: StoreFile) => void): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    const release = await this.lock();
    try {
      const doc = await this.read();
      change(doc);
      const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(tmp, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600 });
      await rename(tmp, this.file);
    } finally {
      await release();
    }
  }

  private async lock(): Promise<() => Promise<void>> {
    const path = `${this.file}.lock`;
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        const fh = await open(path, 'wx');
        await fh.close();
        return () => unlink(path).catch(() => {});
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
          throw storeError(`cannot lock ${this.file}`, err);
        // A crashed writer leaves its lock behind; one that old is not protecting anything.
        const age = await stat(path).then(
          (s) => Date.now() - s.mtimeMs,
          () => 0,
        );
        if (age > LOCK_STALE_MS) await unlink(path).catch(() => {});
        else if (Date.now() > deadline) throw storeError(`${path} is held by another process`);
        else await new Promise((r) => setTimeout(r, 5 + Math.random() * 10));
      }
    }
  }
}

function stateError(incident: LocalIncident, op: string): ControllerError {
  return new ControllerError(
    'SM_ERR_CONTROLLER_INCIDENT_STATE',
    `cannot ${op} incident ${incident.id}: it is ${incident.phase}`,
  );
}

/** `semamesh incidents`: the incidents, newest first, optionally one phase. */
export async function listIncidents(store: IncidentStore, phase?: IncidentPhase): Promise<LocalIncident[]> {
  const all = await store.list(phase ? { phase } : {});
  return all.sort((a, b) => (a.detectedAt < b.detectedAt ? 1 : a.detectedAt > b.detectedAt ? -1 : 0));
}

/** Records an incident and pauses the agent's cgroup (freeze + forensic copy). */
export async function pauseLocalIncident(
  store: IncidentStore,
  agent: PauseAgent,
  spec: NewIncident & { snapshotDir: string },
): Promise<LocalIncident> {
  const { snapshotDir, ...rest } = spec;
  const incident = await store.create(rest);
  const evidence = await agent.pauseLocal({
    incidentId: incident.id,
    cgroup: spec.agent.cgroup,
    snapshotDir,
  });
  return store.update(incident.id, (i) => {
    i.phase = evidence.phase;
    i.cgroups = evidence.frozen.length > 0 ? evidence.frozen : [spec.agent.cgroup];
    i.checkpoint = evidence.checkpoint;
    i.checkpoints = evidence.checkpoints;
    if (evidence.error) i.error = evidence.error;
  });
}

/** `semamesh approve <id>`: thaw the agent and let it continue. */
export async function approveIncident(
  store: IncidentStore,
  agent: PauseAgent,
  id: string,
  by = 'local-user',
): Promise<LocalIncident> {
  const incident = await store.get(id);
  if (incident.phase === 'Approved' || incident.phase === 'Terminated') throw stateError(incident, 'approve');
  await agent.approve(incident.cgroups);
  return store.update(id, (i) => {
    i.phase = 'Approved';
    i.decidedBy = by;
    i.decidedAt = new Date().toISOString();
  });
}

/** `semamesh terminate <id>`: kill the agent's processes (never letting them run again) and keep the evidence. */
export async function terminateIncident(
  store: IncidentStore,
  agent: PauseAgent,
  id: string,
  by = 'local-user',
): Promise<LocalIncident> {
  const incident = await store.get(id);
  if (incident.phase === 'Terminated') throw stateError(incident, 'terminate');
  await agent.terminate(incident.cgroups, { remove: true });
  return store.update(id, (i) => {
    i.phase = 'Terminated';
    i.decidedBy = by;
    i.decidedAt = new Date().toISOString();
  });
}
