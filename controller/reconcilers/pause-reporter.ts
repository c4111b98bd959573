// The waypoint's PauseReporter on a cluster: a PAUSE decision becomes a SemaIncident (rule, reason
// and the request's digest only: never prompt text or secrets) and the pod annotation the node agent
// freezes on. Repeated reports for a pod already being paused reuse the open incident.
import { randomBytes } from 'node:crypto';
import { isK8sError, type K8sClient } from '../../kube/index.js';
import { ControllerError, errorText } from '../errors.js';
import {
  ACTION_ANNOTATION,
  INCIDENT_ANNOTATION,
  INCIDENT_KIND,
  type IncidentObject,
  POD_KIND,
  POD_UID_ANNOTATION,
} from './incident-actions.js';

/** What the waypoint sends (waypoint/policy/pause-reporter.ts `PauseReport`). */
export interface PauseReportInput {
  agent: {
    namespace: string;
    pod: string;
    serviceAccount?: string;
    cgroup?: string;
    container?: string;
    /** Sent by the waypoint; not recorded (labels can be large and are on the pod anyway). */
    labels?: Record<string, string>;
    address?: string;
  };
  /** `namespace/policy/rule` as the waypoint names it, or a bare rule name with `policy` given. */
  rule: string;
  policy?: string;
  reason: string;
  requestDigest: string;
  action?: 'PAUSE' | 'BLOCK';
}

export interface ClusterPauseReporterOptions {
  /** Field manager of the writes, default `semamesh-waypoint`. */
  fieldManager?: string;
  onIncident?: (incident: IncidentObject, created: boolean) => void;
}

const reportError = (message: string, cause?: unknown) =>
  new ControllerError('SM_ERR_CONTROLLER_PAUSE_REPORT', message, { cause });

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** Splits the waypoint's `ns/policy/rule` into policy `ns/policy` and rule. */
export function splitRule(rule: string, policy?: string): { policy: string; rule: string } {
  if (policy) return { policy, rule };
  const i = rule.lastIndexOf('/');
  return i > 0 ? { policy: rule.slice(0, i), rule: rule.slice(i + 1) || rule } : { policy: 'semamesh', rule };
}

export class ClusterPauseReporter {
  /** Reports in flight per pod, so a burst of PAUSE decisions opens one incident. */
  private readonly inflight = new Map<string, Promise<IncidentObject>>();

  constructor(
    private readonly client: K8sClient,
    private readonly options: ClusterPauseReporterOptions = {},
  ) {}

  async report(input: PauseReportInput): Promise<void> {
    await this.open(input);
  }

  /** Like report, returning the incident (new or the one already open for the pod). */
  open(input: PauseReportInput): Promise<IncidentObject> {
    const { namespace, pod } = input.agent ?? {};
    if (!DNS_LABEL.test(namespace ?? '') || !DNS_SUBDOMAIN.test(pod ?? ''))
      return Promise.reject(
        reportError(`pause report without a valid agent namespace and pod (${namespace}/${pod})`),
      );
    if (!/^[0-9a-f]{64}$/.test(input.requestDigest ?? ''))
      return Promise.reject(reportError('pause report: requestDigest must be a SHA-256 hex digest'));
    const key = `${namespace}/${pod}`;
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.create(input).finally(() => this.inflight.delete(key));
    this.inflight.set(key, p);
    return p;
  }

  private async create(input: PauseReportInput): Promise<IncidentObject> {
    const { namespace, pod } = input.agent;
    const podRef = { ...POD_KIND, namespace, name: pod };
    let live: { metadata: { uid?: string; annotations?: Record<string, string> } } | undefined;
    try {
      live = await this.client.find(podRef);
    } catch (err) {
      throw reportError(`cannot read pod ${namespace}/${pod}: ${errorText(err)}`, err);
    }
    if (!live) throw reportError(`pod ${namespace}/${pod} does not exist`);
    const open = live.metadata.annotations?.[INCIDENT_ANNOTATION];
    if (live.metadata.annotations?.[ACTION_ANNOTATION] === 'PAUSE' && open) {
      const existing = await this.client.find<IncidentObject>({ ...INCIDENT_KIND, namespace, name: open });
      const phase = existing?.status?.phase ?? 'Pending';
      if (existing && (phase === 'Pending' || phase === 'Paused')) {
        this.options.onIncident?.(existing, false);
        return existing;
      }
    }
    const { policy, rule } = splitRule(input.rule, input.policy);
    const now = new Date();
    const suffix = `${now.getTime().toString(36)}-${randomBytes(2).toString('hex')}`;
    const name = `${pod.slice(0, 253 - suffix.length - 1).replace(/[.-]+$/, '')}-${suffix}`;
    const agent: Record<string, string> = { namespace, pod };
    if (input.agent.serviceAccount && DNS_SUBDOMAIN.test(input.agent.serviceAccount))
      agent.serviceAccount = input.agent.serviceAccount;
    if (input.agent.container) agent.container = input.agent.container;
    if (input.agent.cgroup) agent.cgroup = input.agent.cgroup;
    let incident: IncidentObject;
    try {
      incident = await this.client.create<IncidentObject>(
        {
          ...INCIDENT_KIND,
          metadata: {
            name,
            namespace,
            labels: { 'semamesh.io/pod': pod.slice(0, 63).replace(/[.-]+$/, '') },
            // Decisions act on this very pod, never on a later one that reuses the name.
            ...(live.metadata.uid ? { annotations: { [POD_UID_ANNOTATION]: live.metadata.uid } } : {}),
          },
          spec: {
            agent,
            policy: policy.slice(0, 317),
            rule: rule.slice(0, 253) || 'unknown',
            reason: (input.reason ?? '').slice(0, 1024),
            action: input.action ?? 'PAUSE',
            detectedAt: `${now.toISOString().slice(0, 19)}Z`,
            requestDigest: input.requestDigest,
          },
        } as unknown as IncidentObject,
        this.options.fieldManager ?? 'semamesh-waypoint',
      );
      incident = await this.client.patchStatus<IncidentObject>(
        { ...INCIDENT_KIND, namespace, name },
        { phase: 'Pending' },
        { fieldManager: this.options.fieldManager ?? 'semamesh-waypoint' },
      );
    } catch (err) {
      throw reportError(`cannot record the incident for ${namespace}/${pod}: ${errorText(err)}`, err);
    }
    try {
      await this.client.mergePatch(podRef, {
        metadata: { annotations: { [ACTION_ANNOTATION]: 'PAUSE', [INCIDENT_ANNOTATION]: name } },
      });
    } catch (err) {
      // The incident stays (it is the record); the reconciler marks it Failed if no agent ever freezes.
      if (!isK8sError(err, 'SM_ERR_K8S_NOT_FOUND'))
        throw reportError(`cannot annotate pod ${namespace}/${pod}: ${errorText(err)}`, err);
    }
    this.options.onIncident?.(incident, true);
    return incident;
  }
}
