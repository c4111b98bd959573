// Leader election over a coordination.k8s.io/v1 Lease, as client-go's leaderelection does it:
// acquire when the Lease is free or its holder stopped renewing for leaseDurationSeconds (judged by
// our own clock since we last saw it change, never by the holder's clock), renew every retry period,
// and every write carries the resourceVersion it read so two candidates can never both win.

import { CORE_KINDS, isK8sError, type K8sClient, type KubeObject } from '../../kube/index.js';
import { ControllerError, errorText } from '../errors.js';

export interface LeaderElectorOptions {
  client: K8sClient;
  namespace: string;
  name: string;
  /** Unique per replica: the pod name plus a random suffix. */
  identity: string;
  /** How long a lease is valid without renewal. Default 15 s. */
  leaseDurationMs?: number;
  /** A leader that cannot renew within this gives up leadership. Default 2/3 of the lease duration. */
  renewDeadlineMs?: number;
  /** Time between attempts. Default 1/5 of the lease duration. */
  retryPeriodMs?: number;
  onStartedLeading?: () => void;
  onStoppedLeading?: () => void;
  onNewLeader?: (identity: string) => void;
  onError?: (err: ControllerError) => void;
  /** Clock, for tests. */
  now?: () => number;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

type Lease = KubeObject & { spec?: LeaseSpec };

/** metav1.MicroTime: RFC 3339 with microseconds. */
const microTime = (ms: number) => new Date(ms).toISOString().replace(/Z$/, '000Z');

const leaseError = (message: string, cause?: unknown) =>
  new ControllerError('SM_ERR_CONTROLLER_LEASE', message, { cause });

export class LeaderElector {
  private readonly durationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  private readonly now: () => number;
  private leading = false;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private loop: Promise<void> | undefined;
  /** What we last saw of the Lease and when (our clock): expiry is judged from this. */
  private observed: { resourceVersion: string; holder: string; at: number } | undefined;
  private lastRenew = 0;
  private knownLeader = '';

  constructor(private readonly o: LeaderElectorOptions) {
    this.durationMs = o.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = o.renewDeadlineMs ?? Math.floor((this.durationMs * 2) / 3);
    this.retryMs = o.retryPeriodMs ?? Math.max(100, Math.floor(this.durationMs / 5));
    this.now = o.now ?? Date.now;
    if (this.renewDeadlineMs >= this.durationMs)
      throw new ControllerError(
        'SM_ERR_CONTROLLER_CONFIG',
        'leader election: renewDeadline must be shorter than the lease duration',
      );
  }

  /**
   * Whether we lead, judged by our clock now: a leader past its renew deadline without a renewal
   * (a process frozen or starved while a successor took the Lease) steps down here, at once, before
   * its next round would find out, so it never acts on a leadership it may have lost.
   */
  get isLeader(): boolean {
    if (this.leading && this.now() - this.lastRenew >= this.renewDeadlineMs) this.setLeading(false);
    return this.leading;
  }

  /** The holder we last saw ('' when none). */
  get leader(): string {
    return this.knownLeader;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const tick = async () => {
      if (this.stopped) return;
      await this.tryAcquireOrRenew();
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.loop = tick();
      }, this.retryMs);
    };
    this.loop = tick();
  }

  /** Stops; a leader releases the Lease (holder cleared) so a successor need not wait out the lease. */
  async stop(options: { release?: boolean } = {}): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.loop;
    if (this.leading && (options.release ?? true)) await this.release().catch(() => undefined);
    this.setLeading(false);
  }

  /** One round: read, then create, renew or take over. Exposed for tests. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const ref = { ...CORE_KINDS.Lease, namespace: this.o.namespace, name: this.o.name };
    const now = this.now();
    try {
      const lease = await this.o.client.find<Lease>(ref);
      if (!lease) {
        await this.o.client.create<Lease>({
          ...CORE_KINDS.Lease,
          metadata: { name: this.o.name, namespace: this.o.namespace },
          spec: this.spec(now, now, 0),
        });
        return this.won(now, this.o.identity);
      }
      const spec = lease.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      const rv = lease.metadata.resourceVersion ?? '';
      if (!this.observed || this.observed.resourceVersion !== rv)
        this.observed = { resourceVersion: rv, holder, at: now };
      this.noteLeader(holder);
      const duration = (spec.leaseDurationSeconds ?? this.durationMs / 1000) * 1000;
      const mine = holder === this.o.identity;
      if (!mine && holder !== '' && this.observed.at + duration > now) return this.lost(now);
      const acquire = mine && spec.acquireTime ? Date.parse(spec.acquireTime) : now;
      const transitions = (spec.leaseTransitions ?? 0) + (mine ? 0 : 1);
      // The resourceVersion is the precondition: a concurrent writer makes this a 409.
      await this.o.client.mergePatch<Lease>(ref, {
        metadata: { resourceVersion: rv },
        spec: this.spec(Number.isNaN(acquire) ? now : acquire, now, transitions),
      });
      return this.won(now, this.o.identity);
    } catch (err) {
      if (!isK8sError(err, 'SM_ERR_K8S_CONFLICT') && !isK8sError(err, 'SM_ERR_K8S_INVALID'))
        this.o.onError?.(leaseError(`lease ${this.o.namespace}/${this.o.name}: ${errorText(err)}`, err));
      return this.lost(now);
    }
  }

  private spec(acquireMs: number, renewMs: number, transitions: number): LeaseSpec {
    return {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: Math.max(1, Math.round(this.durationMs / 1000)),
      acquireTime: microTime(acquireMs),
      renewTime: microTime(renewMs),
      leaseTransitions: transitions,
    };
  }

  private won(now: number, holder: string): boolean {
    this.lastRenew = now;
    this.observed = undefined;
    this.noteLeader(holder);
    this.setLeading(true);
    return true;
  }

  /** Not renewed this round: a leader keeps leading until the renew deadline passes. */
  private lost(now: number): boolean {
    if (this.leading && now - this.lastRenew >= this.renewDeadlineMs) this.setLeading(false);
    return this.leading;
  }

  private async release(): Promise<void> {
    const ref = { ...CORE_KINDS.Lease, namespace: this.o.namespace, name: this.o.name };
    const lease = await this.o.client.find<Lease>(ref);
    if (!lease || lease.spec?.holderIdentity !== this.o.identity) return;
    await this.o.client.mergePatch(ref, {
      metadata: { resourceVersion: lease.metadata.resourceVersion },
      spec: { holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(this.now()) },
    });
  }

  private noteLeader(holder: string): void {
    if (holder === this.knownLeader) return;
    this.knownLeader = holder;
    if (holder) this.o.onNewLeader?.(holder);
  }

  private setLeading(on: boolean): void {
    if (on === this.leading) return;
    this.leading = on;
    if (on) this.o.onStartedLeading?.();
    else this.o.onStoppedLeading?.();
  }
}
