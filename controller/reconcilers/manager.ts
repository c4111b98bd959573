// Wires the controller's reconcilers: informers on the policy kinds (namespaced and cluster-scoped)
// and SemaIncident feed the
// debounced policy-set compiler and one work queue; only while leading does anything compile,
// publish or write status (informers keep running so a new leader starts with warm caches).
import type { SemaClusterPolicy, SemaClusterQuota, SemaPolicy, SemaQuota } from '../../api/index.js';
import {
  type EventRecorder,
  type K8sClient,
  type KindWatch,
  type KubeObject,
  SEMAMESH_KINDS,
  watchKind,
} from '../../kube/index.js';
import { errorText } from '../errors.js';

/** gitops/apply's content digest annotation (controller must not import gitops' internals here). */
const DIGEST_ANNOTATION = 'semamesh.io/source-digest';

import { incidentSteps } from './incident.js';
import { type IncidentObject, phaseOf } from './incident-actions.js';
import { compiledStep } from './policy.js';
import { type CompileReport, PolicySetCompiler } from './policy-set.js';
import { keyOf, parseKey, reconcileObject, type Step, WorkQueue } from './runtime.js';

export interface ControllerManagerOptions {
  client: K8sClient;
  /** Ships a compiled bundle (sign + BundleServer.publish). */
  publish: (bundle: Uint8Array, revision: string) => void | Promise<void>;
  events?: EventRecorder;
  /** Only these namespaces are watched; omitted: all. */
  namespace?: string;
  debounceMs?: number;
  maxDelayMs?: number;
  pauseTimeoutMs?: number;
  concurrency?: number;
  log?: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  onCompiled?: (report: CompileReport) => void;
}

type Kind = 'SemaPolicy' | 'SemaQuota' | 'SemaClusterPolicy' | 'SemaClusterQuota' | 'SemaIncident';
const KINDS: readonly Kind[] = [
  'SemaPolicy',
  'SemaQuota',
  'SemaClusterPolicy',
  'SemaClusterQuota',
  'SemaIncident',
];
const CLUSTER_SCOPED = new Set<Kind>(['SemaClusterPolicy', 'SemaClusterQuota']);

export class ControllerManager {
  readonly compiler: PolicySetCompiler;
  readonly queue: WorkQueue;
  private readonly caches: Record<Kind, Map<string, KubeObject>> = {
    SemaPolicy: new Map(),
    SemaQuota: new Map(),
    SemaClusterPolicy: new Map(),
    SemaClusterQuota: new Map(),
    SemaIncident: new Map(),
  };
  private readonly watches: KindWatch[] = [];
  private leading = false;
  private readonly steps: Record<Kind, Step<KubeObject>[]>;
  reconciles = 0;

  constructor(private readonly o: ControllerManagerOptions) {
    this.compiler = new PolicySetCompiler({
      policies: () =>
        [...this.caches.SemaPolicy.values(), ...this.caches.SemaClusterPolicy.values()] as unknown as (
          | SemaPolicy
          | SemaClusterPolicy
        )[],
      quotas: () =>
        [...this.caches.SemaQuota.values(), ...this.caches.SemaClusterQuota.values()] as unknown as (
          | SemaQuota
          | SemaClusterQuota
        )[],
      publish: o.publish,
      debounceMs: o.debounceMs,
      maxDelayMs: o.maxDelayMs,
      onCompiled: (report, keys) => {
        this.o.log?.(report.revision ? 'info' : 'error', 'policy set compiled', {
          revision: report.revision,
          published: report.published,
          included: report.included,
          failed: report.failed,
          ms: Math.round(report.durationMs),
        });
        o.onCompiled?.(report);
        for (const k of keys) this.queue.add(k);
      },
      onError: (err) => this.o.log?.('error', 'policy set compile crashed', { err: errorText(err) }),
    });
    this.queue = new WorkQueue((key) => this.reconcile(key), {
      concurrency: o.concurrency ?? 16,
      onError: (key, err) => this.o.log?.('warn', 'reconcile failed', { key, err: errorText(err) }),
    });
    const compiled = compiledStep(this.compiler);
    this.steps = {
      SemaPolicy: [compiled],
      SemaQuota: [compiled],
      SemaClusterPolicy: [compiled],
      SemaClusterQuota: [compiled],
      SemaIncident: incidentSteps({ pauseTimeoutMs: o.pauseTimeoutMs }) as unknown as Step<KubeObject>[],
    };
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Starts the informers; resolves when their caches are filled. */
  async start(): Promise<void> {
    for (const kind of KINDS) {
      const cache = this.caches[kind];
      const policyLike = kind !== 'SemaIncident';
      this.watches.push(
        await watchKind(this.o.client, SEMAMESH_KINDS[kind], {
          // Cluster-scoped kinds have no namespace to restrict the watch to.
          namespace: CLUSTER_SCOPED.has(kind) ? undefined : this.o.namespace,
          onAdd: (obj) => {
            cache.set(keyOf(obj), obj);
            if (policyLike) this.compiler.markDirty();
            else this.queue.add(keyOf(obj));
          },
          onUpdate: (obj) => {
            const key = keyOf(obj);
            const prev = cache.get(key);
            cache.set(key, obj);
            // Status writes (ours included) bump resourceVersion, not generation: no recompile.
            if (policyLike) {
              if (prev?.metadata.generation !== obj.metadata.generation) this.compiler.markDirty();
            } else this.queue.add(key);
          },
          onDelete: (obj) => {
            cache.delete(keyOf(obj));
            if (policyLike) this.compiler.markDirty();
          },
          onError: (err) => this.o.log?.('warn', `${kind} watch failed`, { err: err.message }),
        }),
      );
    }
  }

  /** Leader election callback: start or stop compiling, publishing and writing status. */
  setLeader(on: boolean): void {
    if (on === this.leading) return;
    this.leading = on;
    if (on) {
      this.queue.start();
      this.compiler.setEnabled(true);
      for (const key of this.caches.SemaIncident.keys()) this.queue.add(key);
    } else {
      this.compiler.setEnabled(false);
      this.queue.stop();
    }
    this.o.log?.('info', on ? 'started leading' : 'stopped leading');
  }

  async stop(): Promise<void> {
    this.setLeader(false);
    await Promise.all(this.watches.map((w) => w.stop()));
    this.watches.length = 0;
  }

  /**
   * GitOps' sync barrier: the compiler holds off while a sync applies, then until the informer
   * caches hold every object of the sync with the digest it was applied with.
   */
  readonly syncBarrier = {
    begin: (_sourceId: string) => {
      const release = this.compiler.hold();
      return {
        done: (objects: { kind: string; namespace?: string; name: string; digest: string }[]) =>
          release(() =>
            objects.every((o) => {
              const cached = this.caches[o.kind as Kind]?.get(`${o.kind}/${o.namespace ?? ''}/${o.name}`);
              return cached?.metadata.annotations?.[DIGEST_ANNOTATION] === o.digest;
            }),
          ),
        abort: () => release(),
      };
    },
  };

  /** Objects in the informer cache (for metrics, tests and the bench). */
  cached(kind: Kind): KubeObject[] {
    return [...this.caches[kind].values()];
  }

  /** Incidents by phase, for the metrics endpoint. */
  incidentPhases(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const i of this.caches.SemaIncident.values()) {
      const p = phaseOf(i as IncidentObject);
      out[p] = (out[p] ?? 0) + 1;
    }
    return out;
  }

  private async reconcile(key: string): Promise<{ requeueAfterMs?: number } | undefined> {
    if (!this.leading) return undefined;
    const { kind } = parseKey(key);
    const cache = this.caches[kind as Kind];
    const obj = cache?.get(key);
    if (!obj) return undefined;
    this.reconciles++;
    const out = await reconcileObject(this.o.client, obj, this.steps[kind as Kind], {
      events: this.o.events,
      // The cache keeps what we wrote, so a reconcile before the watch event does not write it again.
      onSummary: (p) => {
        const cur = cache.get(key);
        if (cur?.metadata.resourceVersion === obj.metadata.resourceVersion)
          cache.set(key, { ...obj, status: p.status });
      },
    });
    return out.requeueAfterMs !== undefined ? { requeueAfterMs: out.requeueAfterMs } : undefined;
  }
}
