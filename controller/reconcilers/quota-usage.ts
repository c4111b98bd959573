// Reports shared budget usage into SemaQuota and SemaClusterQuota status.usage: on the leader, every
// interval, it reads the waypoints' Redis budget store through a read-only engine and merge-patches
// only `usage`.
import type { QuotaUsage, SemaQuota } from '../../api/index.js';
import { isK8sError, type K8sClient, type KubeObject, refOf } from '../../kube/index.js';
import {
  QUOTA_ERROR_CODES,
  QuotaBudgetEngine,
  QuotaError,
  type QuotaStatus,
  type QuotaStore,
  RedisQuotaStore,
  type RedisStoreOptions,
} from '../../quota/index.js';
import { errorText } from '../errors.js';

type Log = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export interface QuotaUsageReporterOptions {
  client: K8sClient;
  /** The shared budget store the waypoints write (`redis://host:port/db`). */
  redis: RedisStoreOptions;
  /** The SemaQuotas and SemaClusterQuotas to report on, normally the manager's informer cache. */
  quotas: () => KubeObject[] | Promise<KubeObject[]>;
  /** Only the leader writes status; checked on every tick. */
  isLeader: () => boolean;
  /** Default 15 s. */
  intervalMs?: number;
  log?: Log;
}

/** What one tick did, for logs and tests. */
export interface QuotaUsageTick {
  /** Not leading, or another tick was still running. */
  skipped: boolean;
  written: string[];
  unchanged: string[];
  /** Store or API problems; the next tick retries. */
  errors: string[];
}

/**
 * The store with its writes turned off: the engine saves quota definitions on `setQuotas` and
 * prunes on `gc`, both of which belong to the waypoints, whose bundle may differ from our cache.
 */
function readOnly(store: QuotaStore): QuotaStore {
  const noop = async () => {};
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'saveQuotas' || prop === 'gc') return noop;
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

/** Opens a read-only view of the shared budget store (one Redis connection, no GC timer). */
export function openReadOnlyBudgetView(redis: RedisStoreOptions): QuotaBudgetEngine {
  return new QuotaBudgetEngine({ store: readOnly(new RedisQuotaStore(redis)), gcIntervalMs: 0 });
}

const idOf = (o: KubeObject) =>
  o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;

/**
 * Equal when every window shows the same figures. A rolling window with nothing in it reports
 * `resetAt = now`, which moves every tick; an empty window is unchanged whatever its resetAt.
 */
export function sameUsage(a: readonly QuotaUsage[] | undefined, b: readonly QuotaUsage[]): boolean {
  if (!a || a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i];
    if (
      x.window !== y.window ||
      x.tokens !== y.tokens ||
      x.costUSD !== y.costUSD ||
      x.requests !== y.requests
    )
      return false;
    const empty = y.tokens === 0 && y.costUSD === 0 && y.requests === 0;
    return empty || x.resetAt === y.resetAt;
  });
}

/**
 * Loads the quotas into the engine. `setQuotas` is all or nothing, so when one quota is invalid
 * the rest are loaded one by one and the invalid one is left out (the policy reconciler already
 * reports it as CompileFailed).
 */
function loadQuotas(engine: QuotaBudgetEngine, quotas: SemaQuota[], errors: string[]): void {
  try {
    engine.setQuotas(quotas);
    return;
  } catch (err) {
    if (!(err instanceof QuotaError) || err.code !== QUOTA_ERROR_CODES.INVALID_QUOTA) throw err;
  }
  const good = quotas.filter((q) => {
    try {
      engine.setQuotas([q]);
      return true;
    } catch (err) {
      errors.push(`SemaQuota ${idOf(q as unknown as KubeObject)}: ${errorText(err)}`);
      return false;
    }
  });
  engine.setQuotas(good);
}

export class QuotaUsageReporter {
  private engine?: QuotaBudgetEngine;
  private timer?: NodeJS.Timeout;
  private running?: Promise<QuotaUsageTick>;
  private stopped = true;
  readonly intervalMs: number;
  ticks = 0;
  writes = 0;

  constructor(private readonly o: QuotaUsageReporterOptions) {
    this.intervalMs = o.intervalMs ?? 15_000;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
    await this.engine?.close().catch(() => {});
    this.engine = undefined;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.tick().finally(() => this.schedule());
    }, this.intervalMs);
    this.timer.unref();
  }

  /** One pass: read the store, then patch each SemaQuota whose usage changed. Never throws. */
  async tick(): Promise<QuotaUsageTick> {
    if (!this.o.isLeader() || this.running) return { skipped: true, written: [], unchanged: [], errors: [] };
    this.running = this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<QuotaUsageTick> {
    this.ticks++;
    const out: QuotaUsageTick = { skipped: false, written: [], unchanged: [], errors: [] };
    let objs: KubeObject[];
    let statuses: QuotaStatus[];
    try {
      objs = await this.o.quotas();
      this.engine ??= openReadOnlyBudgetView(this.o.redis);
      loadQuotas(this.engine, objs as unknown as SemaQuota[], out.errors);
      statuses = await this.engine.status();
    } catch (err) {
      out.errors.push(errorText(err));
      this.o.log?.('warn', 'quota usage: cannot read the budget store, retrying next interval', {
        err: errorText(err),
      });
      return out;
    }
    const byId = new Map(statuses.map((s) => [s.quota, s]));
    for (const obj of objs) {
      const id = idOf(obj);
      const s = byId.get(id);
      if (!s) continue;
      const prev = (obj.status as { usage?: QuotaUsage[] } | undefined)?.usage;
      if (sameUsage(prev, s.usage)) {
        out.unchanged.push(id);
        continue;
      }
      try {
        // A merge patch of only `usage`: conditions and observedGeneration stay the policy reconciler's.
        await this.o.client.patchStatus(
          refOf(obj),
          { usage: s.usage },
          { fieldManager: 'semamesh-controller' },
        );
        out.written.push(id);
        this.writes++;
      } catch (err) {
        if (isK8sError(err, 'SM_ERR_K8S_NOT_FOUND')) continue;
        out.errors.push(`SemaQuota ${id}: ${errorText(err)}`);
        this.o.log?.('warn', 'quota usage: status write failed', { quota: id, err: errorText(err) });
      }
    }
    if (out.errors.length > 0 && out.written.length + out.unchanged.length > 0)
      this.o.log?.('warn', 'quota usage: some quotas were not reported', { errors: out.errors });
    return out;
  }
}
